"""Declarative query parameters: one spec drives parsing (400 naming the parameter) and the OpenAPI document.

Predecessor rules kept: empty-string parameters are dropped (declared `allowEmptyValue` in OpenAPI), the first
value of a repeated parameter wins, unknown parameters are ignored, enum values match case-insensitively, comma
lists are split without trimming. Changed: `strict` is a boolean (`true`/`false`, anything else is a 400), and
numbers and datetimes accept every form their OpenAPI schema admits (exponents, RFC 3339 `t`/`z`, fractions).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import QueryParams

from ocpdb_api.errors import ParamError
from ocpdb_pipelines.model.enums import EvseStatus

_INT = re.compile(r'^[+-]?\d+$')
_DECIMAL = re.compile(r'^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$')
# RFC 3339 date-time (OpenAPI `format: date-time`), plus the predecessor's forms without seconds or offset
_DATETIME = re.compile(r'^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2})(:\d{2})?(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$')
MAX_ID = 2**63 - 1
EVSE_STATUSES = tuple(s.value for s in EvseStatus)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # int | decimal | str | datetime | enum | enum_list | str_list | bool
    description: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    default: Any = None
    keep_empty: bool = False

    def schema(self) -> dict[str, Any]:
        """JSON schema of the raw query string value, for OpenAPI."""
        s: dict[str, Any]
        if self.kind == 'int':
            s = {'type': 'integer'}
        elif self.kind == 'decimal':
            s = {'type': 'number'}
        elif self.kind == 'datetime':
            s = {'type': 'string', 'format': 'date-time'}
        elif self.kind == 'enum':
            s = {'type': 'string', 'enum': list(self.choices)}
        elif self.kind == 'enum_list':
            s = {'type': 'array', 'items': {'type': 'string', 'enum': list(self.choices)}}
        elif self.kind == 'str_list':
            # a string, not an array: on the wire every string is a one-item list, so an array schema would call
            # values invalid that the server rightly reads as one item
            item = f'[^,\\u0000]{{{self.min_length or 0},{self.max_length or ""}}}'
            return {'type': 'string', 'pattern': f'^{item}(,{item})*$'}
        elif self.kind == 'bool':
            s = {'type': 'boolean'}
        else:
            s = {'type': 'string'}
        for key, value in (('minimum', self.minimum), ('maximum', self.maximum), ('default', self.default)):
            if value is not None and not (self.kind == 'decimal' and key == 'default'):
                s[key] = int(value) if self.kind == 'int' and key in ('minimum', 'maximum') else value
        return _length_schema(self, s) if self.kind == 'str' else s

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI parameter object: lists are comma-separated (`explode: false`); an empty value counts as
        absent unless the parameter keeps it (then it is invalid)."""
        out: dict[str, Any] = {'name': self.name, 'in': 'query', 'required': False, 'description': self.description}
        if self.kind == 'enum_list':
            out |= {'style': 'form', 'explode': False}
        if not self.keep_empty:
            out['allowEmptyValue'] = True
        out['schema'] = self.schema()
        return out


def _length_schema(p: Param, s: dict[str, Any]) -> dict[str, Any]:
    if p.min_length is not None:
        s['minLength'] = p.min_length
    if p.max_length is not None:
        s['maxLength'] = p.max_length
    # NUL is refused (PostgreSQL text cannot hold it)
    s['pattern'] = '^[^\\u0000]*$'
    return s


def _fail(p: Param, code: str, reason: str) -> ParamError:
    return ParamError(p.name, code, reason)


def parse_int(p: Param, raw: str) -> int:
    if not _INT.match(raw):
        raise _fail(p, 'invalid_integer', 'Value must be an integer.')
    value = int(raw)
    if (p.minimum is not None and value < p.minimum) or (p.maximum is not None and value > p.maximum):
        raise _fail(p, 'number_range_error', f'Value must be between {p.minimum} and {p.maximum}.')
    return value


def parse_datetime(p: Param, raw: str) -> datetime:
    match = _DATETIME.match(raw)
    if not match:
        raise _fail(p, 'invalid_datetime', 'Value must be an ISO 8601 datetime like 2024-01-01T00:00:00Z.')
    day, minutes, seconds, fraction, offset = match.groups()
    offset = '+00:00' if offset in ('Z', 'z') else offset or ''
    # microseconds at most: longer fractions are cut, not rejected
    text = f'{day}T{minutes}{seconds or ""}{(fraction or "")[:7]}{offset}'
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _fail(p, 'invalid_datetime', str(exc)) from exc
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise _fail(p, 'invalid_datetime', 'Datetime out of range.') from exc


def _parse_one(p: Param, raw: str) -> Any:
    if p.kind == 'int':
        return parse_int(p, raw)
    if p.kind == 'decimal':
        if not _DECIMAL.match(raw):
            raise _fail(p, 'invalid_decimal', 'Value must be a decimal number.')
        value = float(raw)
        if not math.isfinite(value):
            raise _fail(p, 'invalid_decimal', 'Value must be a finite decimal number.')
        if (p.minimum is not None and value < p.minimum) or (p.maximum is not None and value > p.maximum):
            raise _fail(p, 'number_range_error', f'Value must be between {p.minimum} and {p.maximum}.')
        return value
    if p.kind == 'datetime':
        return parse_datetime(p, raw)
    if p.kind == 'bool':
        if raw.lower() not in ('true', 'false'):
            raise _fail(p, 'invalid_type', 'Value must be true or false.')
        return raw.lower() == 'true'
    if p.kind == 'enum':
        return _enum_value(p, raw)
    if p.kind == 'enum_list':
        return [_enum_value(p, item) for item in raw.split(',')]
    if p.kind == 'str_list':
        items = raw.split(',')
        for item in items:
            _check_length(p, item)
        return items
    if '\x00' in raw:
        raise _fail(p, 'invalid_string', 'Value must not contain NUL characters.')
    _check_length(p, raw)
    return raw


def _check_length(p: Param, raw: str) -> None:
    if '\x00' in raw:
        raise _fail(p, 'invalid_string', 'Value must not contain NUL characters.')
    if p.min_length is not None and len(raw) < p.min_length:
        raise _fail(p, 'string_too_short', f'String must be at least {p.min_length} characters long.')
    if p.max_length is not None and len(raw) > p.max_length:
        raise _fail(p, 'string_too_long', f'String must be at most {p.max_length} characters long.')


def _enum_value(p: Param, raw: str) -> str:
    for choice in p.choices:
        if choice.lower() == raw.lower():
            return choice
    raise _fail(p, 'value_not_allowed', 'Value must be one of: ' + ', '.join(p.choices) + '.')


def parse(query: QueryParams, specs: list[Param]) -> dict[str, Any]:
    """Parsed values of the given parameters; absent ones get their default (or are left out)."""
    out: dict[str, Any] = {}
    for p in specs:
        raw = query.get(p.name)
        if raw is None or (raw == '' and not p.keep_empty):
            if p.default is not None:
                out[p.name] = p.default
            continue
        out[p.name] = _parse_one(p, raw)
    return out


# ---- parameter sets (predecessor §2.3) ----

STRICT = Param('strict', 'bool', 'true removes OCPDB extension fields (true or false; default false).')


def paging(max_limit: int) -> list[Param]:
    return [
        Param('offset', 'int', 'Items to skip.', minimum=0, maximum=MAX_ID, default=0),
        Param('limit', 'int', f'Page size (1 to {max_limit}).', minimum=1, maximum=max_limit, default=100),
    ]


def sorting(keys: tuple[str, ...], default: str) -> list[Param]:
    return [
        Param('sorted_by', 'enum', f'Sort key (default {default}).', choices=keys, default=default),
        Param('sorting_direction', 'enum', 'ASC (default) or DESC.', choices=('ASC', 'DESC'), default='ASC'),
    ]


def source_filters() -> list[Param]:
    return [
        Param('source_uid', 'str', 'Only this source.', max_length=256),
        Param('exclude_source_uid', 'str', 'Not this source.', max_length=256),
        Param('source_uids', 'str_list', 'Comma-separated source uids.', max_length=256),
        Param('exclude_source_uids', 'str_list', 'Comma-separated source uids to exclude.', max_length=256),
    ]


def _since(desc: str) -> Param:
    return Param('last_updated_since', 'datetime', desc)


# the predecessor allowed 1,000,000 (a 1.7 GB body); 5000 locations are about 8.5 MB of JSON
LOCATION_MAX_LIMIT = 5000
LOCATION_SEARCH: list[Param] = [
    *sorting(('id', 'name', 'created', 'modified'), 'id'),
    Param('offset', 'int', 'Items to skip.', minimum=0, maximum=MAX_ID, default=0),
    # no default here: with a complete bounding box the default becomes 1000
    Param(
        'limit',
        'int',
        f'Page size (default 100, 1000 with a bounding box; at most {LOCATION_MAX_LIMIT}).',
        minimum=1,
        maximum=LOCATION_MAX_LIMIT,
    ),
    Param('name', 'str', 'Substring of the name (case-sensitive).', max_length=255),
    Param('address', 'str', 'Substring of the address.', max_length=255),
    Param('city', 'str', 'Substring of the city.', max_length=255),
    Param('postal_code', 'str', 'Exact postal code.', max_length=255),
    Param('country', 'str', 'ISO 3166 alpha-3 country.', min_length=3, max_length=3),
    Param('official_region_code', 'str', 'Exact official region code.', min_length=1, max_length=36),
    *source_filters(),
    Param('operator_name', 'str', 'Substring of the operator name.', max_length=255),
    Param('lat', 'decimal', 'Latitude of the radius search centre.', minimum=-90, maximum=90),
    Param('lon', 'decimal', 'Longitude of the radius search centre.', minimum=-180, maximum=180),
    Param('radius', 'int', 'Radius in metres (with lat and lon).', minimum=0, maximum=20_100_000),
    Param('lat_min', 'decimal', 'Bounding box south (all four needed).', minimum=-90, maximum=90),
    Param('lat_max', 'decimal', 'Bounding box north.', minimum=-90, maximum=90),
    Param('lon_min', 'decimal', 'Bounding box west.', minimum=-180, maximum=180),
    Param('lon_max', 'decimal', 'Bounding box east.', minimum=-180, maximum=180),
    _since('Location or one of its EVSEs updated at or after this time.'),
    Param('evse_status_last_updated_since', 'datetime', 'An EVSE status changed at or after this time.'),
    Param('evse_status', 'enum_list', 'Some EVSE has one of these statuses.', choices=EVSE_STATUSES),
    Param('exclude_evse_status', 'enum_list', 'Some EVSE has none of these statuses.', choices=EVSE_STATUSES),
    Param(
        'filter_duplicates',
        'bool',
        'true: hide locations linked as duplicates (register entries matched to a live location, the same EVSEs '
        'at a second live source). Absent/false: all, as the predecessor.',
    ),
    STRICT,
]

_ID_SORT = ('id', 'created', 'modified', 'last_updated')
EVSE_SEARCH: list[Param] = [
    *sorting(_ID_SORT, 'id'),
    *paging(1000),
    Param('status', 'enum', 'EVSE status.', choices=EVSE_STATUSES),
    Param('statuses', 'enum_list', 'Comma-separated EVSE statuses.', choices=EVSE_STATUSES),
    *source_filters(),
    Param('location_id', 'int', 'Location id.', minimum=0, maximum=MAX_ID),
    _since('Updated strictly after this time.'),
    STRICT,
]
CONNECTOR_SEARCH: list[Param] = [
    *sorting(_ID_SORT, 'id'),
    *paging(1000),
    *source_filters(),
    Param('evse_id', 'int', 'EVSE id (OCPDB row id).', minimum=0, maximum=MAX_ID),
    Param('location_id', 'int', 'Location id.', minimum=0, maximum=MAX_ID),
    _since('Updated strictly after this time.'),
    STRICT,
]
CHARGING_STATION_SEARCH: list[Param] = [
    *sorting(_ID_SORT, 'id'),
    *paging(1000),
    *source_filters(),
    Param('location_id', 'int', 'Location id.', minimum=0, maximum=MAX_ID),
    _since('Updated strictly after this time.'),
    STRICT,
]
TARIFF_SEARCH: list[Param] = [
    *sorting(_ID_SORT, 'id'),
    *paging(1000),
    *source_filters(),
    _since('Updated strictly after this time.'),
]
TARIFF_ASSOCIATION_SEARCH: list[Param] = [
    *sorting(_ID_SORT, 'id'),
    *paging(1000),
    *source_filters(),
    Param('tariff_id', 'int', 'Tariff id.', minimum=0, maximum=MAX_ID),
    _since('Updated strictly after this time.'),
]
BUSINESS_SEARCH: list[Param] = [
    *sorting(('name', 'created', 'modified'), 'name'),
    *paging(1000),
    Param('name', 'str', 'Substring of the name.', max_length=255),
]
SOURCE_SEARCH: list[Param] = [
    *sorting(('uid', 'name', 'created', 'modified'), 'uid'),
    *paging(1000),
    Param('name', 'str', 'Substring of the name.', max_length=256),
]
ITEM_STRICT: list[Param] = [STRICT]
TILE_PARAMS: list[Param] = [
    Param('static', 'bool', 'true: only STATIC EVSEs; false: only live EVSEs; absent: all.', keep_empty=True),
    Param(
        'filter_duplicates',
        'bool',
        'Hide static locations matched to a live one.',
        default=True,
        keep_empty=True,
    ),
]


def path_id(raw: str, name: str = 'id') -> int | None:
    """A path id: None (-> 404) when it is not a representable integer id."""
    if not _INT.match(raw) or raw.startswith(('+', '-')):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None
