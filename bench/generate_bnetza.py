"""Generate a Germany-scale BNetzA register in the API JSON and/or the Excel layout (deterministic per seed).

    python -m bench.generate_bnetza --n 120000 --seed 1 --out bench/out
    python -m bench.generate_bnetza --n 500 --layout excel --broken 3 --out /tmp/register

Writes `bnetza_api_<n>.json` and `bnetza_register_<n>.xlsx`; the logic lives in
`ocpdb_pipelines.samples.bnetza` (the offline demo uses it too).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ocpdb_pipelines.samples.bnetza import write_bnetza_api_json, write_bnetza_excel

OUT = Path(__file__).resolve().parent / 'out'


def output_paths(directory: Path, n: int) -> dict[str, Path]:
    return {'api': directory / f'bnetza_api_{n}.json', 'excel': directory / f'bnetza_register_{n}.xlsx'}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--n', type=int, default=120_000, help='installations (default 120000)')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--broken', type=int, default=0, help='deliberately invalid installations among the n')
    parser.add_argument('--layout', choices=('api', 'excel', 'both'), default='both')
    parser.add_argument('--out', type=Path, default=OUT, help='output directory')
    args = parser.parse_args(argv)
    paths = output_paths(args.out, args.n)
    writers = {'api': write_bnetza_api_json, 'excel': write_bnetza_excel}
    for layout in ('api', 'excel'):
        if args.layout in (layout, 'both'):
            started = time.perf_counter()
            path = writers[layout](paths[layout], args.n, args.seed, args.broken)
            size = path.stat().st_size / 2**20
            print(f'{path}: {args.n} installations, {size:.1f} MiB in {time.perf_counter() - started:.1f} s')


if __name__ == '__main__':
    main()
