"""What the location_stamp triggers (migration 0141) cost a first import: the BNetzA register (120,000
installations) into a fresh database with the triggers and without them, interleaved.

    .venv/bin/python bench/bench_location_stamp.py --database-url postgresql://postgres@127.0.0.1:5444/ocpdb_stamp \
        [--rounds 2] [--scale 1.0]

The payload is bench_germany_day.py's register (its generator, into `--work`). Each round drops and migrates
the database, then for `without` drops the two statement triggers (location_stamp stays empty), and runs
bench_germany_day.py's register step in a fresh subprocess (`run_static` with the replayed payload: wall time,
peak RSS). The order alternates per round (with, without; without, with; ...). Results on stdout and in `--out`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = ROOT / 'bench' / 'bench_germany_day.py'
STEP = 'register (bnetza_api)'


def prepare(url: str, variant: str) -> None:
    from ocpdb_pipelines.db.migrations import recreate_database

    recreate_database(url)
    if variant == 'without':
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute('DROP TRIGGER location_stamp_insert ON location')
            conn.execute('DROP TRIGGER location_stamp_update ON location')


def import_once(url: str, work: Path) -> dict:
    command = [sys.executable, str(DAY), '--step', STEP, '--database-url', url, '--work', str(work)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    with psycopg.connect(url) as conn:
        result['stamps'] = conn.execute('SELECT count(*) FROM location_stamp').fetchone()[0]
        result['locations'] = conn.execute('SELECT count(*) FROM location').fetchone()[0]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--database-url', required=True)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--scale', type=float, default=1.0)
    parser.add_argument('--work', type=Path, default=ROOT / 'bench' / 'out' / 'germany_day')
    parser.add_argument('--out', type=Path, default=ROOT / 'bench' / 'out' / 'location_stamp.json')
    args = parser.parse_args()
    if not (args.work / 'bnetza_api.json').exists():
        subprocess.run(
            [sys.executable, str(DAY), '--generate-only', '--scale', str(args.scale), '--work', str(args.work)],
            check=True, cwd=ROOT,
        )  # fmt: skip
    runs: dict[str, list[dict]] = {'with': [], 'without': []}
    for number in range(args.rounds):
        for variant in ('with', 'without') if number % 2 == 0 else ('without', 'with'):
            prepare(args.database_url, variant)
            load = os.getloadavg()[0]
            result = {**import_once(args.database_url, args.work), 'load_before': round(load, 2)}
            result['load_after'] = round(os.getloadavg()[0], 2)
            runs[variant].append(result)
            print(f'round {number + 1} {variant}: {json.dumps(result)}', flush=True)
    median = {v: statistics.median(r['seconds'] for r in rs) for v, rs in runs.items()}
    print(
        f'median first import with triggers {median["with"]:.1f} s, without {median["without"]:.1f} s, '
        f'ratio {median["with"] / median["without"]:.3f}'
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({'runs': runs, 'median_seconds': median}, indent=2))


if __name__ == '__main__':
    main()
