"""The Dagster instance CLI runs are recorded in, so they show in the UI next to scheduled runs."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ocpdb_pipelines.config import PROJECT_ROOT

DEFAULT_HOME = PROJECT_ROOT / '.dagster_home'

# gRPC deadlines of Dagster's processes (read from the environment when dagster is imported, so they are set
# on the processes: the demo's `dagster dev`, compose, the Helm values). A launch from the UI asks the code
# server for the run's execution plan within DAGSTER_GRPC_TIMEOUT_SECONDS (60 s by default), which a loaded
# machine missed ("deadline exceeded"); loading the repository snapshot gets 300 s. Sensor ticks keep the 60 s
# a realtime tick's budget is planned inside (http.realtime_tick_budget_seconds); schedules get 120 s.
GRPC_TIMEOUTS = {
    'DAGSTER_GRPC_TIMEOUT_SECONDS': '180',
    'DAGSTER_REPOSITORY_GRPC_TIMEOUT_SECONDS': '300',
    'DAGSTER_SCHEDULE_GRPC_TIMEOUT_SECONDS': '120',
    'DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS': '60',
}


def ensure_dagster_home() -> Path:
    """Use $DAGSTER_HOME, or `.dagster_home/` with the project's dagster.yaml linked in."""
    home = Path(os.environ.get('DAGSTER_HOME') or DEFAULT_HOME)
    home.mkdir(parents=True, exist_ok=True)
    config = home / 'dagster.yaml'
    pg_url = os.environ.get('DAGSTER_PG_URL')
    if pg_url and pg_url.startswith(('postgresql://', 'postgres://')):
        # dagster-postgres runs on psycopg2; SQLAlchemy 2.1 would pick psycopg 3 for a bare scheme
        os.environ['DAGSTER_PG_URL'] = 'postgresql+psycopg2://' + pg_url.split('://', 1)[1]
    template = PROJECT_ROOT / ('dagster.postgres.yaml' if pg_url else 'dagster.yaml')
    if not config.exists() and template.exists():
        config.symlink_to(template)
    os.environ['DAGSTER_HOME'] = str(home)
    return home


def get_instance() -> dg.DagsterInstance:
    """The instance of $DAGSTER_HOME; its SQLite storages (if any) commit without an fsync each."""
    from ocpdb_pipelines.db.sqlite_commits import configure_sqlite_commits

    configure_sqlite_commits(ensure_dagster_home())
    return dg.DagsterInstance.get()
