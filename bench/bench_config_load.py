"""Cost of loading the settings: the flat hand-written loader of 1a43acf against pydantic-settings.

    uv run python bench/bench_config_load.py [--rounds N] [--old PATH]

`--old` is the old `ocpdb_pipelines/config.py` (default: taken from git, commit 1a43acf). Both load the
same config.example.yaml-sized file and a handful of OCPDB_ variables, alternating A/B per round so
that machine load hits both alike; the old loader's source check and the new `check_sources` are
included (both are what a start-up pays). `current_settings()` re-reads only when the file or the
environment changed, so this is the cost of a change, not of a sensor tick. The old loader's input spells the flat
keys on purpose (nested-settings-codemod: skip).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ocpdb_pipelines.config import load_settings  # noqa: E402
from ocpdb_pipelines.sources.options import check_sources  # noqa: E402

# the same four sources in both layouts (the per-source keys did not change)
SOURCES_YAML = """\
  bnetza_api: {auto_fetch: false, ignore_operators: [A, B]}
  chargecloud_ludwigsburg: {api_key: k}
  eaaze_pbw: {token: t}
  datex2_enbw: {static_subscription_id: '1', mobilithek_cert_path: /c, mobilithek_key_path: /k}
"""

OLD_YAML = (
    'DATABASE_URL: postgresql://postgres@127.0.0.1:5432/ocpdb\nHTTP_TIMEOUT: 60\nMATCHING_FACTOR_THRESHOLD: 0.3\n'
    f'SOURCES:\n{SOURCES_YAML}LOGGING: {{version: 1}}\n'
)

NEW_YAML = (
    'database: {url: postgresql://postgres@127.0.0.1:5432/ocpdb}\nhttp: {timeout: 60}\n'
    f'matching: {{factor_threshold: 0.3}}\nsources:\n{SOURCES_YAML}logging: {{version: 1}}\n'
)

OLD_ENV = {'REDIS_URL': 'redis://127.0.0.1:6379/1', 'OCPDB_HTTP_RETRIES': '2', 'OCPDB_LANDING_DIR': '/tmp/l'}
NEW_ENV = {'REDIS_URL': 'redis://127.0.0.1:6379/1', 'OCPDB_HTTP__RETRIES': '2', 'OCPDB_LANDING__DIR': '/tmp/l'}


def _old_loader(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location('ocpdb_old_config', path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.load_settings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rounds', type=int, default=200)
    parser.add_argument('--old', type=Path)
    parser.add_argument('--pure-yaml', action='store_true', help="the new loader with PyYAML's Python SafeLoader")
    args = parser.parse_args(argv)
    if args.pure_yaml:
        import yaml

        from ocpdb_pipelines.config import layers

        layers.SAFE_LOADER = yaml.SafeLoader
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        old_path = args.old
        if old_path is None:
            old_path = workdir / 'old_config.py'
            old_path.write_text(
                subprocess.run(
                    ['git', 'show', '1a43acf:ocpdb_pipelines/config.py'],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
        old_load = _old_loader(old_path)
        (workdir / 'old.yaml').write_text(OLD_YAML)
        (workdir / 'new.yaml').write_text(NEW_YAML)
        times: dict[str, list[float]] = {'old': [], 'new': []}
        for _ in range(args.rounds):
            started = time.perf_counter()
            old_load(workdir / 'old.yaml', environ=OLD_ENV)
            times['old'].append(time.perf_counter() - started)
            started = time.perf_counter()
            check_sources(load_settings(workdir / 'new.yaml', environ=NEW_ENV))
            times['new'].append(time.perf_counter() - started)
    loader = 'SafeLoader (Python)' if args.pure_yaml else 'CSafeLoader'
    print(f'load average {os.getloadavg()[0]:.1f}, {args.rounds} rounds, interleaved; new loader YAML: {loader}')
    for name, values in times.items():
        median, p90 = statistics.median(values) * 1000, statistics.quantiles(values, n=10)[8] * 1000
        print(f'{name}: median {median:.2f} ms, p90 {p90:.2f} ms')
    ratio = statistics.median(times['new']) / statistics.median(times['old'])
    print(f'new/old median: {ratio:.2f}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main(sys.argv[1:]))
