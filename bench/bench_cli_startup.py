"""Fixed cost of one CLI import against its floor, interleaved.

    python -m bench.bench_cli_startup --database-url postgresql://.../ocpdb_bench_cli [--rounds 5]

Per round, each as a fresh process (what a user or cron pays):
- `import dagster`                      python -c 'import dagster'
- floor                                 python -c 'import dagster' + loading the code location's
                                        definitions (ocpdb_pipelines.definitions, get_repository_def)
- cli                                   `ocpdb import static heilbronn_neckarbogen --from-file <sample> --force`
                                        (8 garages: nearly all of it is fixed cost), recorded as a run
                                        in a throwaway DAGSTER_HOME with the project's dagster.yaml.
                                        `--force` applies the payload each time: parsed, screened and
                                        written, as an import of a changed payload is (without it a
                                        replay of the same file stops at 'unchanged', before the screen)
- cli before                            (with `--before DIR`) the same import run by the code in DIR, a
                                        source tree (`git archive main | tar -x -C DIR`) put first on
                                        PYTHONPATH: before and after side by side in the same rounds
Reports the median wall time of each and cli / floor. The database is dropped and recreated.
`--no-warmup` skips the unmeasured runs (the first import, which creates the instance storage, and one
run per command that fills the bytecode cache): for the smoke test only, the figures then include both.

Each command runs in two regimes, interleaved: `source` compiles every module from source in each
process (what this machine does: PYTHONDONTWRITEBYTECODE=1 is set), `bytecode` reads compiled
bytecode from a warm cache (PYTHONPYCACHEPREFIX in the temp directory: what an installed deployment
or a developer's checkout does after its first run). The ratio differs between them: compiling is a
share of the imports both pay, not of the work only the CLI does.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UID = 'heilbronn_neckarbogen'
FLOOR = (
    'import dagster\n'
    'from ocpdb_pipelines.definitions import defs\n'
    'defs.get_repository_def()\n'
)  # fmt: skip


def _timed(command: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(
            f'{" ".join(command)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}'
        )
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--database-url', default=os.environ.get('DATABASE_URL'), required=False)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--before', type=Path, help='a source tree whose CLI is measured beside this one')
    parser.add_argument('--no-warmup', action='store_true', help='skip the unmeasured runs (smoke test)')
    args = parser.parse_args()
    if not args.database_url:
        raise SystemExit('--database-url (or DATABASE_URL) is required')

    from ocpdb_pipelines.db.migrations import recreate_database
    from ocpdb_pipelines.samples.goldbeck import write_chargepoints

    recreate_database(args.database_url)
    with tempfile.TemporaryDirectory(prefix='ocpdb-bench-cli-') as tmp:
        root = Path(tmp)
        sample = write_chargepoints(root / f'{UID}.json')
        home = root / 'dagster_home'
        home.mkdir()
        (home / 'dagster.yaml').symlink_to(Path(__file__).resolve().parents[1] / 'dagster.yaml')
        env = {
            **os.environ,
            'DATABASE_URL': args.database_url,
            'DAGSTER_HOME': str(home),
            'OCPDB_CONFIG': os.devnull,
            'OCPDB_ARCHIVE__DIR': str(root / 'raw'),
            'OCPDB_DATA_DIR': str(root / 'data'),
        }
        env.pop('DAGSTER_PG_URL', None)
        cli = [sys.executable, '-m', 'ocpdb_pipelines.cli', 'import', 'static', UID, '--from-file', str(sample)]
        commands: dict[str, list[str]] = {
            'import dagster': [sys.executable, '-c', 'import dagster'],
            'floor': [sys.executable, '-c', FLOOR],
            'cli': [*cli, '--force'],
        }
        if args.before:
            commands['cli before'] = [*cli, '--force']
        compiled = {key: value for key, value in env.items() if key != 'PYTHONDONTWRITEBYTECODE'}
        compiled['PYTHONPYCACHEPREFIX'] = str(root / 'pycache')
        regimes = {'source': {**env, 'PYTHONDONTWRITEBYTECODE': '1'}, 'bytecode': compiled}
        before = (
            {'PYTHONPATH': os.pathsep.join([str(args.before.resolve()), env.get('PYTHONPATH', '')])}
            if args.before
            else {}
        )

        def environment(regime: str, name: str) -> dict[str, str]:
            return {**regimes[regime], **(before if name.endswith(' before') else {})}

        def where(name: str) -> Path | None:
            # `python -m` puts the working directory before PYTHONPATH: the other tree runs from its own root
            return args.before.resolve() if name.endswith(' before') else None

        warmups = 0 if args.no_warmup else 1
        if warmups:
            _timed(commands['cli'], env)  # first import: creates the instance storage and the rows (not measured)
            for name, command in commands.items():
                _timed(command, environment('bytecode', name), where(name))  # warms the bytecode cache (not measured)
        walls: dict[tuple[str, str], list[float]] = {(r, n): [] for r in regimes for n in commands}
        cpus: dict[tuple[str, str], list[float]] = {(r, n): [] for r in regimes for n in commands}
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            for regime in regimes:
                for name, command in commands.items():
                    wall, cpu = _timed(command, environment(regime, name), where(name))
                    walls[regime, name].append(wall)
                    cpus[regime, name].append(cpu)
        runs = _recorded_runs(home)
    wall = {key: statistics.median(values) for key, values in walls.items()}
    cpu = {key: statistics.median(values) for key, values in cpus.items()}
    print(f'rounds: {args.rounds}   load average (1 min) before: {load_before:.2f} after: {os.getloadavg()[0]:.2f}')
    for regime in regimes:
        for name in commands:
            key = (regime, name)
            print(
                f'{regime:8} {name:16} wall median {wall[key]:6.2f} s ({" ".join(f"{v:.2f}" for v in walls[key])})   '
                f'cpu median {cpu[key]:6.2f} s ({" ".join(f"{v:.2f}" for v in cpus[key])})'
            )
        for name in [n for n in commands if n.startswith('cli')]:
            print(
                f'{regime:8} {name} / floor: wall {wall[regime, name] / wall[regime, "floor"]:.2f}   '
                f'cpu {cpu[regime, name] / cpu[regime, "floor"]:.2f}'
            )
    clis = len([n for n in commands if n.startswith('cli')])
    made = warmups + clis * (len(regimes) * args.rounds + warmups)
    print(f'runs recorded in the instance: {runs} (imports made: {made})')


def _recorded_runs(home: Path) -> int:
    env_home = os.environ.get('DAGSTER_HOME')
    os.environ['DAGSTER_HOME'] = str(home)
    try:
        import dagster as dg

        with dg.DagsterInstance.get() as instance:
            return len(instance.get_run_records())
    finally:
        if env_home is None:
            os.environ.pop('DAGSTER_HOME', None)
        else:
            os.environ['DAGSTER_HOME'] = env_home


if __name__ == '__main__':
    main()
