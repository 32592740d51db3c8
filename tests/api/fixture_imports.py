"""Every real static and realtime fixture imported into an emptied test database, through the pipeline's own
imports: what the OCPI 2.2.1 validator tests and the list-page byte comparison both serve from."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

from ocpdb_pipelines.config import Settings, load_settings
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.sources.base import Page
from tests.conftest import KEEP_TABLES, worker_redis_url
from tests.fixtures_dir import fixture_bytes

STATIC = [
    ('bnetza_api', 'bnetza', 'bnetza_api_chargepoints.json'),
    ('bnetza_excel', 'bnetza', 'ladesaeulenregister_extract.xlsx'),
    ('chargecloud_ludwigsburg', 'chargecloud', 'ludwigsburg_afir_page.json', 'ludwigsburg_afir_last_page.json'),
    ('chargecloud_stuttgart', 'chargecloud', 'stuttgart_public.json'),
    ('datex2_enbw', 'datex2', 'enbw_static.json'),
    ('datex2_giroe', 'datex2', 'giroe_static_v3_7.json'),
    ('giroe', 'giroe', 'charge_locations_page.json'),
    ('heilbronn_neckarbogen', 'goldbeck', 'heilbronn_neckarbogen.json'),
    ('ochp_ladenetz', 'ochp', 'get_charge_point_list.xml'),
    ('ocpi_stadtnavi', 'stadtnavi', 'ocpi_locations.json'),
    ('opendata_swiss', 'opendata_swiss', 'static.json'),
]
REALTIME = [
    ('datex2_enbw', 'datex2', 'enbw_realtime.json'),
    ('opendata_swiss', 'opendata_swiss', 'realtime.json'),
]


def import_every_fixture(database_url: str, tmp: Path) -> Settings:
    """Empty the data tables, import STATIC then REALTIME; returns the settings used (data dirs under tmp)."""
    with psycopg.connect(database_url, autocommit=True) as db:
        tables = [r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        db.execute(
            'TRUNCATE ' + ', '.join(f'"{t}"' for t in tables if t not in KEEP_TABLES) + ' RESTART IDENTITY CASCADE'
        )
    env = {'DATABASE_URL': database_url, 'REDIS_URL': worker_redis_url()}
    env |= {f'OCPDB_{k}_DIR': str(tmp / k.lower()) for k in ('DATA', 'RAW_ARCHIVE', 'LANDING', 'EXPORT')}
    settings = load_settings(config_file=os.devnull, environ=env)
    for uid, folder, *files in STATIC:
        run_static(settings, uid, replay_pages=[Page(body=fixture_bytes(folder, name)) for name in files])
    for uid, folder, name in REALTIME:
        run_realtime(settings, uid, replay_pages=[Page(body=fixture_bytes(folder, name))])
    return settings
