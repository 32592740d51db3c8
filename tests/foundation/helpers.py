"""Helpers for the foundation tests: running imports of recorded payloads and reading the result back."""

from __future__ import annotations

from typing import Any

import orjson
import psycopg

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.imports import ImportReport, run_static
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes

BNETZA_API = ('bnetza', 'bnetza_api_chargepoints.json')
BNETZA_EXCEL = ('bnetza', 'ladesaeulenregister_extract.xlsx')


def import_bytes(settings: Settings, uid: str, body: bytes, **kwargs: Any) -> ImportReport:
    return run_static(settings, uid, replay_pages=[Page(body=body)], **kwargs)


def import_fixture(settings: Settings, uid: str, *parts: str, **kwargs: Any) -> ImportReport:
    return import_bytes(settings, uid, fixture_bytes(*parts), **kwargs)


def bnetza_api_document() -> dict[str, Any]:
    return orjson.loads(fixture_bytes(*BNETZA_API))


def table_snapshot(conn: psycopg.Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row of the data tables, for 'the database is unchanged' assertions."""
    tables = ['source', 'business', 'location', 'charging_station', 'evse', 'connector', 'tariff', 'tariff_association']
    return {t: conn.execute(f'SELECT * FROM {t} ORDER BY id').fetchall() for t in tables}


def counts(conn: psycopg.Connection, source: str) -> dict[str, int]:
    row = conn.execute(
        """
        SELECT count(DISTINCT l.id) AS locations, count(DISTINCT cs.id) AS stations, count(DISTINCT e.id) AS evses,
               count(DISTINCT c.id) AS connectors
        FROM location l LEFT JOIN charging_station cs ON cs.location_id = l.id
        LEFT JOIN evse e ON e.charging_station_id = cs.id LEFT JOIN connector c ON c.evse_id = e.id
        WHERE l.source = %s
        """,
        (source,),
    ).fetchone()
    return dict(row)
