"""Prometheus `/metrics` with the predecessor's metric names, HELP texts and order (§9.3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api.db import Resources

Row = dict[str, Any]
INACTIVE = ('DISABLED', 'PROVISIONED')
CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'


def _age(now: datetime, value: datetime | None) -> int | None:
    return None if value is None else int((now - value).total_seconds())


def _static(row: Row) -> bool:
    return row['static_status'] not in INACTIVE


def _realtime(row: Row) -> bool:
    return _static(row) and row['realtime_status'] not in INACTIVE


SOURCE_METRICS: list[tuple[str, str, Callable[[Row], bool], Callable[[Row, datetime], int | None]]] = [
    ('app_ocpdb_source_last_modified', 'Last modification in seconds from now', _static,
     lambda r, now: _age(now, r['modified'])),
    ('app_ocpdb_static_source_failed', 'Completely failed static sources', _static,
     lambda r, now: int(r['static_status'] == 'FAILED')),
    ('app_ocpdb_source_last_static_update', 'Last static update in seconds from now', _static,
     lambda r, now: _age(now, r['static_data_updated_at'])),
    ('app_static_ocpdb_source_errors', 'Static errors by source', _static,
     lambda r, now: r['static_error_count']),
    ('app_ocpdb_realtime_source_failed', 'Completely failed realtime sources', _realtime,
     lambda r, now: int(r['realtime_status'] == 'FAILED')),
    ('app_ocpdb_source_last_realtime_update', 'Last realtime update in seconds from now', _realtime,
     lambda r, now: _age(now, r['realtime_data_updated_at'])),
    ('app_realtime_ocpdb_source_errors', 'Realtime error by source', _realtime,
     lambda r, now: r['realtime_error_count']),
]  # fmt: skip

EVSE_METRICS = [
    ('app_ocpdb_evse_status_available', 'EVSEs with status AVAILABLE', ('AVAILABLE',)),
    ('app_ocpdb_evse_status_taken', 'EVSEs with status CHARGING, RESERVED', ('CHARGING', 'RESERVED')),
    (
        'app_ocpdb_evse_status_error',
        'EVSEs with status INOPERATIVE, OUTOFORDER, REMOVED, PLANNED, BLOCKED, UNKNOWN',
        ('INOPERATIVE', 'OUTOFORDER', 'REMOVED', 'PLANNED', 'BLOCKED', 'UNKNOWN'),
    ),
]
EVSE_SQL = """
SELECT l.source, e.uid AS evse, l.uid AS location, e.status
  FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id JOIN location l ON l.id = cs.location_id
 WHERE e.status <> 'STATIC'
 ORDER BY l.source, l.uid, e.uid
"""


def _label(value: str) -> str:
    return value.replace('"', '')


def render(sources: list[Row], evses: list[Row] | None, now: datetime) -> str:
    lines: list[str] = []
    for name, help_text, include, value in SOURCE_METRICS:
        lines += [f'# HELP {name} {help_text}', f'# TYPE {name} gauge']
        for row in sources:
            if include(row):
                v = value(row, now)
                if v is not None:
                    lines.append(f'{name}{{source="{_label(row["uid"])}"}} {v}')
    if evses is not None:
        for name, help_text, statuses in EVSE_METRICS:
            lines += [f'# HELP {name} {help_text}', f'# TYPE {name} gauge']
            for e in evses:
                labels = f'source="{_label(e["source"])}",evse="{_label(e["evse"])}",location="{_label(e["location"])}"'
                lines.append(f'{name}{{{labels}}} {int(e["status"] in statuses)}')
    return '\n'.join(lines)


async def metrics(request: Request) -> Response:
    res: Resources = request.app.state.resources
    sources = await res.fetch('SELECT * FROM source ORDER BY id')
    evses = await res.fetch(EVSE_SQL) if res.settings.evse_status_metrics else None
    body = render(sources, evses, datetime.now(UTC))
    return Response(body, headers={'Content-Type': CONTENT_TYPE})


def routes() -> list[Route]:
    return [Route('/metrics', metrics)]
