"""List-page items from the tuple rows of `queries/list_page.py`: the objects `compat.location_22` and
`ocpi221.location` build from `trees.locations`, key for key and in the same order, with fewer steps.

Values arrive in their wire format (timestamps as text, numerics as floats), so a field is one tuple lookup
and, where the shape drops nulls, one test; objects are built once instead of built and then filtered.
Positions are resolved once at import. tests/api/test_list_page.py compares the bytes with the renderers
over every fixture location, strict and not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpdb_api.queries.list_page import CONNECTOR, EVSE, IMAGE, LOCATION, STATION, Page, Tuple
from ocpdb_api.render import ocpi221
from ocpdb_api.render.common import bits
from ocpdb_api.render.extensions import LOCATION_EXTENSIONS
from ocpdb_pipelines.model.enums import Capability, ParkingRestriction

Row = dict[str, Any]


def _at(table: Any, *names: str) -> list[tuple[str, int]]:
    return [(name, table.at[name]) for name in names]


def _copier(fields: list[tuple[str, int]], *, drop_empty: bool = False) -> Callable[[Tuple, Row], None]:
    """A function that copies the non-null fields of a tuple row into a dict (also not `[]` with
    `drop_empty`), compiled once: straight-line code is a third of the cost of a loop over the fields."""
    test = 'v is not None and v != []' if drop_empty else 'v is not None'
    lines = ['def copy(r, out):']
    for key, at in fields:
        lines += [f'    v = r[{at}]', f'    if {test}:', f'        out[{key!r}] = v']
    scope: dict[str, Any] = {}
    exec(compile('\n'.join(lines), f'<list_page copier {fields[0][0]}…>', 'exec'), scope)
    return scope['copy']


_NAMES: dict[tuple[type, int], list[str]] = {}


def _names(value: int | None, flag: type[Capability] | type[ParkingRestriction]) -> list[str]:
    """`bits`, memoised (few distinct masks); the lists are shared, so never changed by a caller."""
    found = _NAMES.get((flag, value))
    if found is None:
        found = _NAMES[(flag, value)] = bits(value, flag)
    return found


C, E, IM, L, S = CONNECTOR.at, EVSE.at, IMAGE.at, LOCATION.at, STATION.at
_CONNECTOR_22 = _at(
    CONNECTOR,
    'standard', 'format', 'power_type', 'max_voltage', 'max_amperage', 'max_electric_power', 'last_updated',
    'terms_and_conditions',
)  # fmt: skip
_IMAGE_22 = _at(IMAGE, 'category', 'type', 'width', 'height')
_EVSE_22 = _at(
    EVSE,
    'evse_id', 'status', 'presence', 'physical_reference', 'last_updated', 'status_last_updated', 'max_reservation',
)  # fmt: skip
_EVSE_22_TAIL = _at(EVSE, 'terms_and_conditions', 'calibration_info_url', 'related_resources')
_LOCATION_22 = _at(
    LOCATION,
    'name', 'address', 'postal_code', 'city', 'state', 'country', 'parking_type', 'time_zone', 'last_updated',
    'terms_and_conditions', 'charging_when_closed', 'help_phone', 'has_in_person_support',
)  # fmt: skip
_EXTENSIONS = _at(LOCATION, *(str(c.name) for c in LOCATION_EXTENSIONS))
_LOCATION_22_JSON = _at(LOCATION, 'directions', 'related_locations', 'energy_mix')
_HOURS = _at(LOCATION, 'regular_hours', 'exceptional_openings', 'exceptional_closings')
_copy_connector_22 = _copier(_CONNECTOR_22)
_copy_image_22 = _copier(_IMAGE_22)
_copy_evse_22 = _copier(_EVSE_22)
_copy_evse_22_tail = _copier(_EVSE_22_TAIL, drop_empty=True)
_copy_location_22 = _copier(_LOCATION_22)
_copy_location_22_json = _copier(_LOCATION_22_JSON)
_BUSINESSES = [
    (role, L[f'{role}_name'], L[f'{role}_website'], L[f'{role}_emobility_uid'])
    for role in ('operator', 'owner', 'suboperator')
]


def _image_22(i: Tuple, base: str, strict: bool) -> Row:
    kind = i[IM['type']]
    url = f'{base}/{i[IM["id"]]}.{kind}' if kind else i[IM['external_url']]
    out: Row = {} if url is None else {'url': url}
    _copy_image_22(i, out)
    if not strict:
        if i[IM['external_url']] is not None:
            out['original_url'] = i[IM['external_url']]
        if i[IM['last_download']] is not None:
            out['last_download'] = i[IM['last_download']]
    return out


def _connector_22(c: Tuple, strict: bool) -> Row:
    out: Row = {}
    _copy_connector_22(c, out)
    out['id'] = str(c[C['id']])
    if c[C['tariff_uids']]:
        out['tariff_ids'] = list(dict.fromkeys(c[C['tariff_uids']]))
    if not strict and c[C['uid']] is not None:
        out['original_id'] = c[C['uid']]
    return out


def _evse_22(e: Tuple, s: Tuple, page: Page, base: str, strict: bool) -> Row:
    out: Row = {'uid': str(e[E['id']])}
    _copy_evse_22(e, out)
    restrictions = _names(e[E['parking_restrictions']], ParkingRestriction)
    if restrictions:
        out['parking_restrictions'] = restrictions
    _copy_evse_22_tail(e, out)
    if not strict and e[E['uid']] is not None:
        out['original_uid'] = e[E['uid']]
    capabilities = _names(s[S['capabilities']], Capability)
    if capabilities:
        out['capabilities'] = capabilities
    if s[S['floor_level']] is not None:
        out['floor_level'] = s[S['floor_level']]
    if s[S['lat']] is not None and s[S['lon']] is not None:
        out['coordinates'] = {'latitude': s[S['lat']], 'longitude': s[S['lon']]}
    directions = s[S['directions']]
    if directions is not None and directions != []:
        out['directions'] = directions
    ident = e[E['id']]
    connectors = page.connectors.get(ident)
    if connectors:
        out['connectors'] = [_connector_22(c, strict) for c in connectors]
    images = page.evse_images.get(ident)
    if images:
        out['images'] = [_image_22(i, base, strict) for i in images]
    return out


def _business(row: Tuple, name: int, website: int, uid: int) -> Row | None:
    if row[name] is None:
        return None
    out: Row = {'name': row[name]}
    if row[website] is not None:
        out['website'] = row[website]
    if row[uid] is not None:
        out['emobility_uid'] = row[uid]
    return out


def location_22(row: Tuple, page: Page, base: str, strict: bool) -> Row:
    """`compat.location_22` (v1 and the OCPI 2.2 shape) of one location row of `page`."""
    out: Row = {}
    _copy_location_22(row, out)
    out['facilities'] = row[L['facilities']] or []
    if row[L['facility_description']] is not None:
        out['facility_description'] = row[L['facility_description']]
    out['id'] = str(row[L['id']])
    out['publish'] = True
    if not strict:
        for key, at in (('original_id', L['uid']), ('source', L['source']), *_EXTENSIONS):
            if row[at] is not None:
                out[key] = row[at]
        unit, value = row[L['max_power_unit']], row[L['max_power_value']]
        if unit is not None or value is not None:
            out['max_power'] = {'unit': unit, 'value': value}
    _copy_location_22_json(row, out)
    hours: Row = {}
    if row[L['twentyfourseven']] is not None:
        hours['twentyfourseven'] = row[L['twentyfourseven']]
    for key, at in _HOURS:
        if row[at]:
            hours[key] = row[at]
    if hours:
        out['opening_times'] = hours
    lat, lon = row[L['lat']], row[L['lon']]
    if lat is not None and lon is not None:
        point = {'latitude': lat, 'longitude': lon}
        out['coordinates'] = point if strict else {**point, 'lat': lat, 'lon': lon}
    for role, name, website, uid in _BUSINESSES:
        business = _business(row, name, website, uid)
        if business is not None:
            out[role] = business
    evses = []
    for s in page.stations.get(row[L['id']], ()):
        for e in page.evses.get(s[S['id']], ()):
            evses.append(_evse_22(e, s, page, base, strict))
    out['evses'] = evses
    return out


# ---- OCPI 2.2.1 (render/ocpi221.py): EVSEs and connectors from tuples, the location through its own fields ----

_OCPI_NAMES: dict[tuple[type, int], list[str]] = {}
_OCPI_ALLOWED = {Capability: ocpi221.CAPABILITIES, ParkingRestriction: ocpi221.PARKING_RESTRICTIONS}


def _ocpi_names(value: int | None, flag: type[Capability] | type[ParkingRestriction]) -> list[str]:
    """`bits` without the names OCPI 2.2.1 lacks, memoised like `_names`."""
    found = _OCPI_NAMES.get((flag, value))
    if found is None:
        allowed = _OCPI_ALLOWED[flag]
        found = _OCPI_NAMES[(flag, value)] = [n for n in bits(value, flag) if n in allowed]
    return found


def _connector_221(c: Tuple) -> Row | None:
    standard, kind, power = c[C['standard']], c[C['format']], c[C['power_type']]
    voltage, amperage = c[C['max_voltage']], c[C['max_amperage']]
    if standard not in ocpi221.CONNECTOR_TYPES or not kind or not power or voltage is None or amperage is None:
        return None
    out: Row = {
        'id': str(c[C['id']]),
        'standard': standard,
        'format': kind,
        'power_type': power,
        'max_voltage': voltage,
        'max_amperage': amperage,
    }
    if c[C['max_electric_power']] is not None:
        out['max_electric_power'] = c[C['max_electric_power']]
    if c[C['tariff_uids']]:
        out['tariff_ids'] = [t[:36] for t in dict.fromkeys(c[C['tariff_uids']])]
    if c[C['terms_and_conditions']] is not None:
        out['terms_and_conditions'] = c[C['terms_and_conditions']]
    if c[C['last_updated']] is not None:
        out['last_updated'] = c[C['last_updated']]
    return out


def _image_221(i: Tuple, base: str) -> Row | None:
    kind, category = i[IM['type']], i[IM['category']]
    if category not in ocpi221.IMAGE_CATEGORIES or not kind:
        return None
    out: Row = {'url': f'{base}/{i[IM["id"]]}.{kind}', 'category': category, 'type': kind[:4]}
    for key in ('width', 'height'):
        value = i[IM[key]]
        if value and value < 100000:
            out[key] = value
    return out


def _evse_221(e: Tuple, s: Tuple, page: Page, base: str) -> Row | None:
    ident = e[E['id']]
    connectors = [x for x in map(_connector_221, page.connectors.get(ident, ())) if x is not None]
    if not connectors:
        return None
    out: Row = {'uid': str(ident)}
    evse_id = ocpi221.emi3_evse_id(e[E['evse_id']])
    if evse_id is not None:
        out['evse_id'] = evse_id
    status = e[E['status']]
    if status is not None:
        out['status'] = status if status != 'STATIC' else 'UNKNOWN'
    capabilities = _ocpi_names(s[S['capabilities']], Capability)
    if capabilities:
        out['capabilities'] = capabilities
    out['connectors'] = connectors
    if s[S['floor_level']] is not None:
        out['floor_level'] = s[S['floor_level']][:4]
    coordinates = ocpi221.geo(s[S['lat']], s[S['lon']])
    if coordinates is not None:
        out['coordinates'] = coordinates
    reference = e[E['physical_reference']] or s[S['physical_reference']]
    if reference is not None:
        out['physical_reference'] = reference[:16]
    directions = ocpi221.display_texts(s[S['directions']])
    if directions is not None:
        out['directions'] = directions
    restrictions = _ocpi_names(e[E['parking_restrictions']], ParkingRestriction)
    if restrictions:
        out['parking_restrictions'] = restrictions
    images = [x for x in (_image_221(i, base) for i in page.evse_images.get(ident, ())) if x is not None]
    if images:
        out['images'] = images
    last_updated = ocpi221.newest(e[E['last_updated']], connectors)
    if last_updated is not None:
        out['last_updated'] = last_updated
    return out


def location_221(row: Tuple, page: Page, base: str) -> Row:
    """`ocpi221.location` of one location row of `page`."""
    raw = [(e, s) for s in page.stations.get(row[L['id']], ()) for e in page.evses.get(s[S['id']], ())]
    evses = [x for x in (_evse_221(e, s, page, base) for e, s in raw) if x is not None]
    fields = dict(zip(LOCATION.columns, row, strict=True))
    parties = ocpi221.party_of(fields, [e[E['evse_id']] for e, _ in raw])
    return ocpi221.location_fields(fields, evses, parties, fields['last_updated'])
