"""WHERE clauses for the searches of predecessor §2.3, as (sql, params) pairs joined with AND.

Fixed predecessor bugs: filters never add extra joins (so any combination works), `0` is a valid
coordinate and bounding-box bound, and `operator_name` wildcards are escaped like the other substrings.
"""

from __future__ import annotations

from typing import Any

from ocpdb_api.errors import ParamError, PostValidationError


class Where:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.parts.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return ' AND '.join(self.parts) if self.parts else 'TRUE'


def like(value: str) -> str:
    escaped = value.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
    return f'%{escaped}%'


def add_source_filters(where: Where, p: dict[str, Any], column: str) -> None:
    if 'source_uid' in p:
        where.add(f'{column} = %s', p['source_uid'])
    if 'exclude_source_uid' in p:
        where.add(f'{column} <> %s', p['exclude_source_uid'])
    if 'source_uids' in p:
        where.add(f'{column} = ANY(%s)', p['source_uids'])
    if 'exclude_source_uids' in p:
        where.add(f'{column} <> ALL(%s)', p['exclude_source_uids'])


def has_bbox(p: dict[str, Any]) -> bool:
    return all(k in p for k in ('lat_min', 'lat_max', 'lon_min', 'lon_max'))


def location_where(p: dict[str, Any], alias: str = 'l') -> Where:
    w = Where()
    for key in ('name', 'address', 'city'):
        if key in p:
            w.add(f'{alias}.{key} LIKE %s', like(p[key]))
    for key in ('postal_code', 'country', 'official_region_code'):
        if key in p:
            w.add(f'{alias}.{key} = %s', p[key])
    add_source_filters(w, p, f'{alias}.source')
    if p.get('filter_duplicates'):  # links: matching (register) and products/duplicates (live sources)
        w.add(f'{alias}.dynamic_location_id IS NULL')
    if 'operator_name' in p:
        w.add(
            f'EXISTS (SELECT 1 FROM business b WHERE b.id = {alias}.operator_id AND b.name LIKE %s)',
            like(p['operator_name']),
        )
    radius_keys = [k for k in ('lat', 'lon', 'radius') if k in p]
    if radius_keys and len(radius_keys) != 3:
        raise PostValidationError('lat, lon and radius have all to be set if one is set')
    if len(radius_keys) == 3:
        w.add(
            f'ST_DWithin({alias}.geometry::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s, false)',
            p['lon'],
            p['lat'],
            p['radius'],
        )
    if has_bbox(p):
        _add_bbox(w, p, alias)
    _evse_conditions(w, p, alias)
    return w


def _add_bbox(w: Where, p: dict[str, Any], alias: str) -> None:
    """Inside the box (boundary excluded). `lon_min > lon_max` is a box across the antimeridian: two envelopes."""
    if p['lat_min'] > p['lat_max']:
        raise ParamError('lat_min', 'number_range_error', 'lat_min must not be greater than lat_max.')
    inside = f'ST_Within({alias}.geometry, ST_MakeEnvelope(%s, %s, %s, %s, 4326))'
    if p['lon_min'] <= p['lon_max']:
        w.add(inside, p['lon_min'], p['lat_min'], p['lon_max'], p['lat_max'])
    else:
        w.add(
            f'({inside} OR {inside})',
            *(p['lon_min'], p['lat_min'], 180, p['lat_max']),
            *(-180, p['lat_min'], p['lon_max'], p['lat_max']),
        )


def radius_order(p: dict[str, Any], alias: str = 'l') -> tuple[str, list[Any]] | None:
    """ORDER BY distance from the radius centre (then id) for a radius search without an explicit sort key."""
    if not all(k in p for k in ('lat', 'lon', 'radius')):
        return None
    direction = p.get('sorting_direction', 'ASC')
    return (
        f'ST_Distance({alias}.geometry::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, false) '
        f'{direction}, '
        f'{alias}.id {direction}',
        [p['lon'], p['lat']],
    )


def _evse_conditions(w: Where, p: dict[str, Any], alias: str) -> None:
    """EVSE conditions hold for one and the same EVSE; they select locations, never prune children."""
    evse = Where()
    if 'evse_status' in p:
        evse.add('e.status = ANY(%s::"EvseStatus"[])', p['evse_status'])
    if 'exclude_evse_status' in p:
        evse.add('e.status <> ALL(%s::"EvseStatus"[])', p['exclude_evse_status'])
    if 'evse_status_last_updated_since' in p:
        evse.add('e.status_last_updated >= %s', p['evse_status_last_updated_since'])
    exists = (
        'EXISTS (SELECT 1 FROM charging_station cs JOIN evse e ON e.charging_station_id = cs.id '
        f'WHERE cs.location_id = {alias}.id AND {{cond}})'
    )
    since = p.get('last_updated_since')
    if since is not None and evse.parts:
        evse.add(f'({alias}.last_updated >= %s OR e.last_updated >= %s)', since, since)
    elif since is not None:
        # fixed: a location without EVSEs matches on its own last_updated
        w.add(f'({alias}.last_updated >= %s OR ' + exists.format(cond='e.last_updated >= %s') + ')', since, since)
    if evse.parts:
        w.add(exists.format(cond=evse.sql()), *evse.params)


def order_by(p: dict[str, Any], alias: str) -> str:
    """ORDER BY the requested `sorted_by` column, then id, both in `sorting_direction`."""
    direction = p['sorting_direction']
    return f'{alias}.{p["sorted_by"]} {direction}, {alias}.id {direction}'


def _since(w: Where, p: dict[str, Any], column: str) -> None:
    if 'last_updated_since' in p:
        w.add(f'{column} > %s', p['last_updated_since'])


def _in_location(w: Where, p: dict[str, Any], since_column: str) -> Where:
    """The filters every row below a location shares: its source, its location id, `last_updated_since`."""
    add_source_filters(w, p, 'l.source')
    if 'location_id' in p:
        w.add('cs.location_id = %s', p['location_id'])
    _since(w, p, since_column)
    return w


def evse_where(p: dict[str, Any]) -> Where:
    w = Where()
    if 'status' in p:
        w.add('e.status = %s', p['status'])
    if 'statuses' in p:
        w.add('e.status = ANY(%s::"EvseStatus"[])', p['statuses'])
    return _in_location(w, p, 'e.last_updated')


def connector_where(p: dict[str, Any]) -> Where:
    w = Where()
    if 'evse_id' in p:
        w.add('c.evse_id = %s', p['evse_id'])
    return _in_location(w, p, 'c.last_updated')


def station_where(p: dict[str, Any]) -> Where:
    return _in_location(Where(), p, 'cs.last_updated')


def name_where(p: dict[str, Any], alias: str) -> Where:
    """Businesses and sources: a substring of the name."""
    w = Where()
    if 'name' in p:
        w.add(f'{alias}.name LIKE %s', like(p['name']))
    return w


def tariff_where(p: dict[str, Any]) -> Where:
    w = Where()
    add_source_filters(w, p, 't.source')
    _since(w, p, 't.last_updated')
    return w


def association_where(p: dict[str, Any]) -> Where:
    w = Where()
    add_source_filters(w, p, 'ta.source')
    if 'tariff_id' in p:
        w.add('ta.tariff_id = %s', p['tariff_id'])
    _since(w, p, 'ta.last_updated')
    return w


def ocpi_location_where(p: dict[str, Any]) -> tuple[Where, Where]:
    """OCPI 2.2.1 `date_from` (inclusive) / `date_to` (exclusive): the counted selection, and the page's
    selection with the keyset cursor `after` added."""
    w = Where()
    stamp = Where()  # location_stamp mirrors location.last_updated and holds its index (sql/migrations/0141)
    if 'date_from' in p:
        stamp.add('s.last_updated >= %s', p['date_from'])
    if 'date_to' in p:
        stamp.add('s.last_updated < %s', p['date_to'])
    if stamp.parts:
        w.add(f'l.id IN (SELECT s.location_id FROM location_stamp s WHERE {stamp.sql()})', *stamp.params)
    page = Where()
    page.parts, page.params = list(w.parts), list(w.params)
    if 'after' in p:
        page.add('l.id > %s', p['after'])
    return w, page
