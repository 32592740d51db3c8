"""What the server handlers need: the pipeline settings, the landing area, read-only look-ups.

The settings are `app.state.server_settings` when the app set them (tests, `build_server_app`), else
the process configuration (`get_settings()`, the same config.yaml/env the main app reads), with
DATABASE_URL replaced by the ingest role's URL (`ingest_url`): everything the receivers do in the
database (look-ups, the immediate apply of a small DATEX delta) runs as ocpdb_ingest, never as the
pipelines' writer. Look-ups use a short read-only connection per request: push traffic is small and
this keeps the receivers independent of the public API's pool and its role.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ocpdb_api.settings import ingest_url
from ocpdb_pipelines.config import Settings, get_settings
from ocpdb_pipelines.db.connection import normalize_url
from ocpdb_pipelines.landing import LandingArea

LOOKUP_TIMEOUT_SECONDS = 10


@dataclass
class ServerContext:
    settings: Settings  # DATABASE_URL is the ingest role's
    landing: LandingArea

    async def land(self, uid: str, kind: str, body: bytes, meta: dict[str, Any]) -> Path:
        """Write durably (fsync + rename) before the caller acknowledges anything."""
        return await run_in_threadpool(self.landing.write, uid, kind, body, meta)

    async def fetchone(self, query: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
        async def _query() -> dict[str, Any] | None:
            conn = await psycopg.AsyncConnection.connect(
                normalize_url(self.settings.database.url.get_secret_value()),
                autocommit=True,
                row_factory=dict_row,
                options='-c default_transaction_read_only=on',
            )
            async with conn:
                cursor = await conn.execute(query, params)
                return await cursor.fetchone()

        return await asyncio.wait_for(_query(), LOOKUP_TIMEOUT_SECONDS)

    async def location_exists(self, source: str, uid: str) -> bool:
        row = await self.fetchone('SELECT 1 AS ok FROM location WHERE source = %s AND uid = %s', (source, uid))
        return row is not None

    async def evse_exists(self, source: str, uid: str) -> bool:
        row = await self.fetchone(
            """
            SELECT 1 AS ok FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
            JOIN location l ON l.id = cs.location_id WHERE l.source = %s AND e.uid = %s LIMIT 1
            """,
            (source, uid),
        )
        return row is not None

    async def realtime_updated_at(self, source: str) -> datetime | None:
        row = await self.fetchone('SELECT realtime_data_updated_at AS at FROM source WHERE uid = %s', (source,))
        return row['at'] if row else None


def server_context(request: Request) -> ServerContext:
    state = request.app.state
    context = getattr(state, 'server_api_context', None)
    if context is None:
        configured = getattr(state, 'server_settings', None) or get_settings()
        settings = configured.with_values(database={'url': ingest_url(configured)})
        context = ServerContext(settings=settings, landing=LandingArea(settings.path(settings.landing.dir)))
        state.server_api_context = context
    return context
