"""The BNetzA API register's parse and staging rows alone (no database), this tree against another checkout.

    python -m bench.bench_bnetza_parse [--n 120000] [--seed 1] [--broken 12] [--rounds 3] [--before DIR]

Each measurement is a fresh interpreter running one tree's code (`--before DIR`: that checkout, from its root
with its own .venv, order rotating round by round) with the cyclic GC paused as `run_static` pauses it:
`api.parse` of the file read into memory (orjson included), then `Register.staged` (coordinate screen and
staging rows; the screen's country outline is loaded before the clock starts). CPU time of the process is the
figure to compare on a shared machine; wall time and the load are printed beside it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.generate_bnetza import OUT, output_paths


def _child(path: str) -> dict[str, Any]:
    from ocpdb_pipelines.quality.coordinates import screen_for
    from ocpdb_pipelines.sources.bnetza import api

    screen = screen_for('DEU')
    screen.screen_points(['warm-up'], [50.0], [8.0], ['DEU'], [])
    body = Path(path).read_bytes()
    gc.disable()
    cpu, wall = time.process_time(), time.perf_counter()
    batch = api.parse([body])
    parse_cpu, parse_wall = time.process_time() - cpu, time.perf_counter() - wall
    skipped = list(batch.skipped)
    cpu, wall = time.process_time(), time.perf_counter()
    staged = batch.tabular.staged(screen, skipped)
    rows_cpu, rows_wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        'parse_cpu': parse_cpu,
        'parse_wall': parse_wall,
        'rows_cpu': rows_cpu,
        'rows_wall': rows_wall,
        'rows': {table: len(rows) for table, rows in staged.tables.items() if rows},
        'skipped': len(skipped),
        'code': api.__file__,
    }


def measure(path: Path, tree: Path | None) -> dict[str, Any]:
    """One child; for another tree this script runs with that tree first on the path (it may not have it)."""
    root = tree if tree is not None else Path(__file__).resolve().parent.parent
    python = str(root / '.venv' / 'bin' / 'python') if tree is not None else sys.executable
    load_before = os.getloadavg()[0]
    done = subprocess.run(
        [python, str(Path(__file__).resolve()), '--child', str(path)],
        cwd=root,
        env={**os.environ, 'PYTHONPATH': str(root)},
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(load_before=load_before, load_after=os.getloadavg()[0])
    return result


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['--child']:
        print(json.dumps(_child(argv[1])))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--n', type=int, default=120_000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--broken', type=int, default=12)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--before', type=Path, help='another checkout (with its .venv) measured beside this tree')
    parser.add_argument('--out', type=Path, default=OUT, help='directory for the input file and the results')
    args = parser.parse_args(argv)

    from ocpdb_pipelines.samples.bnetza import write_bnetza_api_json

    path = output_paths(args.out, args.n)['api']
    if not path.exists():
        write_bnetza_api_json(path, args.n, args.seed, args.broken)
    trees: list[tuple[str, Path | None]] = [('after', None)]
    if args.before is not None:
        trees.insert(0, ('before', args.before.resolve()))
    results: list[dict[str, Any]] = []
    for number in range(1, args.rounds + 1):
        for name, tree in trees if number % 2 else trees[::-1]:
            result = measure(path, tree)
            result.update(round=number, tree=name)
            results.append(result)
            print(
                f'round {number} {name}: parse CPU {result["parse_cpu"]:.2f} s (wall {result["parse_wall"]:.2f}), '
                f'rows CPU {result["rows_cpu"]:.2f} s (wall {result["rows_wall"]:.2f}), skipped '
                f'{result["skipped"]}, load {result["load_before"]:.1f}-{result["load_after"]:.1f}',
                flush=True,
            )
    target = args.out / f'bnetza_parse_results_{args.n}.json'
    target.write_text(json.dumps(results, indent=2))
    print(f'results in {target}')


if __name__ == '__main__':
    main()
