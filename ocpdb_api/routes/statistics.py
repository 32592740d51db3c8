"""`/api/public/v1/statistics/availability`: the availability statistics of products/availability_statistics.

Per EVSE and day (default), or summed per location or source over the requested days. Shares are of the
EVSE-time of the local days and add up to 1; `no_data` is time without information (never counted as
available); `occupancy_by_hour` is occupied / known time per local hour (null: no known time).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api.db import Resources
from ocpdb_api.errors import NotFound, ParamError
from ocpdb_api.queries import statistics as statistics_sql
from ocpdb_api.responses import json_response
from ocpdb_pipelines.products.statistics.availability import AVAILABLE, OCCUPIED, OUT_OF_SERVICE

PATH = '/api/public/v1/statistics/availability'
MAX_DAYS = 366
MAX_LIMIT = 1000
GROUPS = ('evse', 'location', 'source')
MAX_OFFSET = 10**9
MAX_LOCATION_ID = 2**62
# the rule between parameters the handler enforces (stated in the document's `x-parameter-rules`, like
# ocpdb_api.routes.openapi.RULES): a 400 names date_from (after date_to) or date_to (too far after date_from)
DATE_RULE = {
    'parameters': ['date_from', 'date_to'],
    'rule': f'date_from must not be after date_to, and date_to is at most {MAX_DAYS} days after date_from '
    '(also with a date defaulted to the latest computed day)',
}
ALLOWED = {'date_from', 'date_to', 'group_by', 'source', 'operator', 'location_id', 'evse_uid', 'offset', 'limit'}


def _date(request: Request, name: str) -> date | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParamError(name, 'invalid', 'a date YYYY-MM-DD') from None


def _int(request: Request, name: str, default: int, maximum: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) > maximum:
        raise ParamError(name, 'invalid', f'an integer from 0 to {maximum}')
    return int(value)


def _shares(seconds: int, no_data: int, statuses: dict[str, int]) -> dict[str, float]:
    def part(names: tuple[str, ...]) -> int:
        return sum(int(statuses.get(n, 0)) for n in names)

    parts = {
        'available': part(AVAILABLE),
        'occupied': part(OCCUPIED),
        'out_of_service': part(OUT_OF_SERVICE),
        'unknown': int(statuses.get('UNKNOWN', 0)),
        'no_data': no_data,
    }
    parts['other'] = seconds - sum(parts.values())
    return {k: round(v / seconds, 4) if seconds else 0.0 for k, v in parts.items()}


def _item(row: dict[str, Any], group_by: str) -> dict[str, Any]:
    statuses = {k: int(v) for k, v in (row['status_seconds'] or {}).items()}
    known, occupied = row['known'] or [0] * 24, row['occupied'] or [0] * 24
    item: dict[str, Any] = {
        'evse': {'day': row['day'].isoformat(), 'evse_uid': row['evse_uid']},
        'location': {'location_id': row['location_id']},
        'source': {},
    }[group_by]
    if group_by != 'source':
        item['location_id'] = row['location_id']
        item['operator'] = row['operator']
    item['source'] = row['source']
    if group_by != 'evse':
        item['days'] = row['days']
        item['evse_days'] = row['evse_days']
    item.update(
        {
            'seconds': row['seconds'],
            'shares': _shares(row['seconds'], row['no_data'], statuses),
            'status_seconds': statuses,
            'no_data_seconds': row['no_data'],
            'occupancy_by_hour': [round(o / k, 4) if k else None for o, k in zip(occupied, known, strict=True)],
        }
    )
    return item


async def availability(request: Request) -> Response:
    unknown = set(request.query_params) - ALLOWED
    if unknown:
        name = sorted(unknown)[0]
        raise ParamError(name, 'unknown', 'unknown parameter')
    group_by = request.query_params.get('group_by', 'evse')
    if group_by not in GROUPS:
        raise ParamError('group_by', 'invalid', 'one of evse, location, source')
    limit = _int(request, 'limit', 100, MAX_LIMIT)
    offset = _int(request, 'offset', 0, MAX_OFFSET)
    date_from, date_to = _date(request, 'date_from'), _date(request, 'date_to')
    res: Resources = request.app.state.resources
    async with res.pool.connection() as conn:
        if date_from is None or date_to is None:
            latest = await statistics_sql.latest_day(conn)
            if latest is None:
                raise NotFound('no availability statistics have been computed yet')
            date_to = date_to or (date_from if date_from and date_from > latest else latest)
            date_from = date_from or date_to
        if date_from > date_to:
            raise ParamError('date_from', 'invalid', 'after date_to')
        if date_to - date_from > timedelta(days=MAX_DAYS):
            raise ParamError('date_to', 'invalid', f'at most {MAX_DAYS} days after date_from')
        equal: dict[str, Any] = {
            name: request.query_params[name] for name in statistics_sql.TEXT_FILTERS if name in request.query_params
        }
        if 'location_id' in request.query_params:
            equal['location_id'] = _int(request, 'location_id', 0, MAX_LOCATION_ID)
        rows = await statistics_sql.availability(conn, group_by, date_from, date_to, equal, limit=limit, offset=offset)
    body = {
        'date_from': date_from.isoformat(),
        'date_to': date_to.isoformat(),
        'group_by': group_by,
        'total_count': rows[0]['total'] if rows else 0,
        'items': [_item(row, group_by) for row in rows],
    }
    return json_response(body)


def routes() -> list[Route]:
    return [Route(PATH, availability)]


def openapi_paths() -> dict[str, Any]:
    """This module's entry of the OpenAPI document (merged by ocpdb_api.routes.openapi)."""

    def query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {'name': name, 'in': 'query', 'required': False, 'description': description, 'schema': schema}

    text, day = {'type': 'string', 'maxLength': 255}, {'type': 'string', 'format': 'date'}
    return {
        PATH: {
            'get': {
                'summary': 'Availability statistics per EVSE and day, or per location / source over days',
                'description': 'Availability statistics per EVSE and day, or per location / source over days. '
                f'Rule between parameters: {DATE_RULE["rule"]}.',
                'x-parameter-rules': [DATE_RULE],
                'tags': ['Statistics'],
                'parameters': [
                    query('date_from', 'first local day (default: the latest computed day)', day),
                    query('date_to', 'last local day (default: date_from or the latest computed day)', day),
                    query('group_by', 'evse (default), location or source', {'enum': list(GROUPS)}),
                    query('source', 'source uid', text),
                    query('operator', 'operator name', text),
                    query(
                        'location_id',
                        'OCPDB location id',
                        {'type': 'integer', 'minimum': 0, 'maximum': MAX_LOCATION_ID},
                    ),
                    query('evse_uid', 'EVSE uid', text),
                    query('offset', 'items to skip', {'type': 'integer', 'minimum': 0, 'maximum': MAX_OFFSET}),
                    query('limit', 'items per page', {'type': 'integer', 'minimum': 0, 'maximum': MAX_LIMIT}),
                ],
                'responses': {
                    '200': {'description': 'OK', 'content': {'application/json': {}}},
                    '400': {'description': 'Invalid parameter'},
                    '404': {'description': 'No statistics computed yet'},
                },
            }
        }
    }
