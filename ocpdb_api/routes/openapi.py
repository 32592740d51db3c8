"""OpenAPI 3.1 document of every public endpoint, generated from the same parameter specs the handlers parse.

Rules between parameters, which JSON Schema cannot express, are stated in the operation description and,
machine-readable, in `x-parameter-rules` (`RULES`); the fuzz test holds the server to exactly these.
The API is public: the document declares an empty security requirement.
"""

from __future__ import annotations

import re
from typing import Any

from ocpdb_api import params as prm
from ocpdb_api import tile_filters
from ocpdb_api.render.extensions import location_extension_schemas, source_schema
from ocpdb_api.routes import dumps, statistics
from ocpdb_api.routes.ocpi_221 import LOCATION_PARAMS as OCPI_LOCATION_PARAMS
from ocpdb_pipelines.exports.datex2.export import STRUCTURE_NOTES

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {'$ref': f'#/components/schemas/{name}'}


def _obj(props: dict[str, Schema], required: list[str] | None = None) -> Schema:
    out: Schema = {'type': 'object', 'properties': props}
    if required:
        out['required'] = required
    return out


S, INT, N, B = {'type': 'string'}, {'type': 'integer'}, {'type': 'number'}, {'type': 'boolean'}
DT = {'type': 'string', 'format': 'date-time'}
OBJ = {'type': 'object'}
ARR_S = {'type': 'array', 'items': S}
ANY_LIST = {'type': 'array', 'items': OBJ}
DISPLAY_TEXTS = {'type': 'array', 'items': {'type': 'object', 'properties': {'language': S, 'text': S}}}

COMPONENTS: dict[str, Schema] = {
    'errorResponse': _obj(
        {'error': _obj({'code': S, 'message': S, 'data': {'type': 'object'}}, ['code', 'message'])}, ['error']
    ),
    'Image': _obj(
        {'url': S, 'category': S, 'type': S, 'width': INT, 'height': INT, 'original_url': S, 'last_download': DT},
        ['url'],
    ),
    'BusinessDetails': _obj({'name': S, 'website': S, 'emobility_uid': S, 'logo': _ref('Image')}, ['name']),
    'Connector': _obj(
        {
            'id': S,
            'standard': S,
            'format': S,
            'power_type': S,
            'max_voltage': INT,
            'max_amperage': INT,
            'max_electric_power': INT,
            'last_updated': DT,
            'terms_and_conditions': S,
            'tariff_ids': ARR_S,
            'original_id': S,
        },
        ['id', 'last_updated'],
    ),
    'GeoLocation': _obj({'latitude': N, 'longitude': N, 'lat': N, 'lon': N}, ['latitude', 'longitude']),
    'EVSE': _obj(
        {
            'uid': S,
            'evse_id': S,
            'status': S,
            'presence': S,
            'physical_reference': S,
            'last_updated': DT,
            'status_last_updated': DT,
            'max_reservation': N,
            'parking_restrictions': ARR_S,
            'terms_and_conditions': S,
            'calibration_info_url': S,
            'related_resources': ANY_LIST,
            'original_uid': S,
            'capabilities': ARR_S,
            'floor_level': S,
            'coordinates': _ref('GeoLocation'),
            'directions': DISPLAY_TEXTS,
            'connectors': {'type': 'array', 'items': _ref('Connector')},
            'images': {'type': 'array', 'items': _ref('Image')},
        },
        ['uid', 'status', 'presence', 'last_updated'],
    ),
    'MaxPower': _obj({'unit': {'type': ['string', 'null']}, 'value': {'type': ['number', 'null']}}),
    'ChargingStation': _obj(
        {
            'id': S,
            'original_uid': S,
            'capabilities': ARR_S,
            'floor_level': S,
            'physical_reference': S,
            'last_updated': DT,
            'directions': DISPLAY_TEXTS,
            'service_type': S,
            'user_interface_languages': ARR_S,
            'parking_spaces': ANY_LIST,
            'go_live_date': {'type': 'string', 'format': 'date'},
            'max_power': _ref('MaxPower'),
            'coordinates': _ref('GeoLocation'),
            'images': {'type': 'array', 'items': _ref('Image')},
            'evses': {'type': 'array', 'items': _ref('EVSE')},
        },
        ['id', 'last_updated'],
    ),
}
_LOCATION_PROPS: dict[str, Schema] = {
    'id': S, 'publish': B, 'name': S, 'address': S, 'postal_code': S, 'city': S, 'state': S, 'country': S,
    'parking_type': S, 'time_zone': S, 'last_updated': DT, 'terms_and_conditions': S, 'charging_when_closed': B,
    'help_phone': S, 'has_in_person_support': B, 'facilities': ARR_S, 'facility_description': S,
    'original_id': S, 'source': S, 'max_power': _ref('MaxPower'),
    'directions': DISPLAY_TEXTS, 'related_locations': ANY_LIST, 'energy_mix': {'type': 'object'},
    'opening_times': {'type': 'object'}, 'coordinates': _ref('GeoLocation'),
    'operator': _ref('BusinessDetails'), 'owner': _ref('BusinessDetails'), 'suboperator': _ref('BusinessDetails'),
    **location_extension_schemas(),  # the catalogue's extension columns (ocpdb_api/render/extensions.py)
}  # fmt: skip
COMPONENTS['Location'] = _obj(
    {**_LOCATION_PROPS, 'evses': {'type': 'array', 'items': _ref('EVSE')}}, ['id', 'publish', 'evses']
)
COMPONENTS['Ocpi30Location'] = _obj(
    {**_LOCATION_PROPS, 'charging_pool': {'type': 'array', 'items': _ref('ChargingStation')}},
    ['id', 'publish', 'charging_pool'],
)
COMPONENTS['Source'] = source_schema()  # the source row's columns (ocpdb_api/render/extensions.py)
COMPONENTS['Tariff'] = _obj(
    {
        'id': S, 'original_id': S, 'source': S, 'currency': S, 'tariff_alt_url': S, 'last_updated': DT,
        'elements': ANY_LIST, 'tariff_alt_text': ANY_LIST, 'min_price': {'type': 'object'},
        'max_price': {'type': 'object'}, 'energy_mix': {'type': 'object'},
    },
    ['id', 'original_id', 'source', 'elements', 'last_updated'],
)  # fmt: skip
COMPONENTS['Ocpi22Tariff'] = _obj(
    {
        'id': S, 'original_id': S, 'source': S, 'currency': S, 'type': S, 'elements': ANY_LIST,
        'start_date_time': DT, 'last_updated': DT, 'tariff_alt_text': ANY_LIST, 'tariff_alt_url': S,
        'min_price': {'type': 'object'}, 'max_price': {'type': 'object'}, 'energy_mix': {'type': 'object'},
    },
    ['id', 'original_id', 'source', 'elements', 'start_date_time', 'last_updated'],
)  # fmt: skip
COMPONENTS['TariffAssociation'] = _obj(
    {
        'id': S, 'original_id': S, 'source': S, 'tariff_id': S, 'audience': S, 'start_date_time': DT,
        'last_updated': DT, 'evses': {'type': 'array', 'items': _obj({'evse_uid': S})},
        'connectors': {'type': 'array', 'items': _obj({'connector_id': S})},
    },
    ['id', 'original_id', 'source', 'tariff_id', 'evses', 'connectors'],
)  # fmt: skip
COMPONENTS['OcpiResponse'] = _obj(
    {'data': {}, 'status_code': INT, 'status_message': S, 'timestamp': DT}, ['status_code', 'timestamp']
)


def _list_schema(item: str) -> Schema:
    return _obj(
        {
            'items': {'type': 'array', 'items': _ref(item)},
            'total_count': INT,
            'next_offset': INT,
            'next_path': S,
        },
        ['items', 'total_count'],
    )


def _query(params: list[prm.Param]) -> list[Schema]:
    return [p.openapi() for p in params]


# Rules between parameters (JSON Schema states each parameter alone). A request breaking one gets a 400 that
# names the rule (post_validation_errors) or the first parameter of the rule (field_errors).
RADIUS_RULE = {
    'parameters': ['lat', 'lon', 'radius'],
    'rule': 'lat, lon and radius are given together or not at all; results are ordered by distance unless '
    'sorted_by is given',
}
BBOX_RULE = {
    'parameters': ['lat_min', 'lat_max', 'lon_min', 'lon_max'],
    'rule': 'the box applies only when all four bounds are given (then limit defaults to 1000); lat_min must not '
    'exceed lat_max; lon_min > lon_max is a box across the antimeridian',
}
TILE_RULE = {'parameters': ['z', 'x', 'y'], 'rule': 'x and y are at most 2^z - 1 (the tile grid of zoom z)'}
RULES: dict[str, list[Schema]] = {'location_search': [RADIUS_RULE, BBOX_RULE], 'tile': [TILE_RULE]}


def _rules_text(rules: list[Schema]) -> str:
    return ' '.join(f'Rule: {r["rule"]}.' for r in rules)


LIST_HEADERS = {
    'X-Total-Count': {'description': 'Number of matching items', 'schema': {'type': 'integer', 'minimum': 0}},
}
OCPI_LIST_HEADERS = {
    **LIST_HEADERS,
    'X-Limit': {'description': 'Page size used (a larger limit is capped to it)', 'schema': INT},
    'Link': {'description': 'Next page: <url>; rel="next"', 'schema': S},
}


def _path_param(name: str, description: str, integer: bool = True) -> Schema:
    schema = {'type': 'integer', 'minimum': 0, 'maximum': prm.MAX_ID} if integer else {'type': 'string'}
    return {'name': name, 'in': 'path', 'required': True, 'description': description, 'schema': schema}


ERRORS = {
    '400': {'description': 'Invalid parameter', 'content': {'application/json': {'schema': _ref('errorResponse')}}},
    '404': {'description': 'Not found', 'content': {'application/json': {'schema': _ref('errorResponse')}}},
}


def _op(
    summary: str,
    tag: str,
    params: list[Schema],
    schema: Schema,
    media: str = 'application/json',
    *,
    rules: list[Schema] | None = None,
    headers: dict[str, Schema] | None = None,
    note: str = '',
) -> Schema:
    ok: Schema = {'description': 'OK', 'content': {media: {'schema': schema}}}
    if headers:
        ok['headers'] = headers
    op: Schema = {
        'summary': summary,
        'description': f'{summary}{note}. {_rules_text(rules)}' if rules else f'{summary}{note}.',
        'tags': [tag],
        'parameters': params,
        'responses': {'200': ok, **ERRORS},
    }
    if rules:
        op['x-parameter-rules'] = rules
    return {'get': op}


def _pair(paths: dict, base: str, tag: str, entity: str, search: list[prm.Param], item_params: list[prm.Param],
          schema: str) -> None:  # fmt: skip
    rules = RULES['location_search'] if search is prm.LOCATION_SEARCH else None
    paths[base] = _op(f'List {entity}', tag, _query(search), _list_schema(schema), rules=rules, headers=LIST_HEADERS)
    paths[f'{base}/{{id}}'] = _op(
        f'One {entity[:-1] if entity.endswith("s") else entity}',
        tag,
        [_path_param('id', 'OCPDB id'), *_query(item_params)],
        _ref(schema),
    )


def document(base_url: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    v1, o22, o30 = '/api/public/v1', '/api/public/ocpi/2.2', '/api/public/ocpi/3.0'
    strict = prm.ITEM_STRICT
    _pair(paths, f'{v1}/locations', 'v1', 'locations', prm.LOCATION_SEARCH, strict, 'Location')
    _pair(paths, f'{v1}/evses', 'v1', 'EVSEs', prm.EVSE_SEARCH, strict, 'EVSE')
    _pair(paths, f'{v1}/businesses', 'v1', 'businesses', prm.BUSINESS_SEARCH, [], 'BusinessDetails')
    _pair(paths, f'{v1}/sources', 'v1', 'sources', prm.SOURCE_SEARCH, [], 'Source')
    _pair(paths, f'{o22}/locations', 'OCPI 2.2 (OCPDB)', 'locations', prm.LOCATION_SEARCH, strict, 'Location')
    paths[f'{o22}/location/{{id}}'] = _op(
        'One location (legacy singular path)', 'OCPI 2.2 (OCPDB)',
        [_path_param('id', 'OCPDB id'), *_query(strict)], _ref('Location'),
    )  # fmt: skip
    _pair(paths, f'{o22}/tariffs', 'OCPI 2.2 (OCPDB)', 'tariffs', prm.TARIFF_ASSOCIATION_SEARCH, [], 'Ocpi22Tariff')
    _pair(paths, f'{o30}/locations', 'OCPI 3.0 (OCPDB)', 'locations', prm.LOCATION_SEARCH, strict, 'Ocpi30Location')
    _pair(
        paths, f'{o30}/charge-stations', 'OCPI 3.0 (OCPDB)', 'charging stations', prm.CHARGING_STATION_SEARCH, strict,
        'ChargingStation',
    )  # fmt: skip
    _pair(paths, f'{o30}/tariffs', 'OCPI 3.0 (OCPDB)', 'tariffs', prm.TARIFF_SEARCH, [], 'Tariff')
    _pair(
        paths, f'{o30}/tariff-associations', 'OCPI 3.0 (OCPDB)', 'tariff associations',
        prm.TARIFF_ASSOCIATION_SEARCH, [], 'TariffAssociation',
    )  # fmt: skip
    for prefix, tag in ((o22, 'OCPI 2.2 (OCPDB)'), (o30, 'OCPI 3.0 (OCPDB)')):
        _pair(paths, f'{prefix}/evses', tag, 'EVSEs', prm.EVSE_SEARCH, strict, 'EVSE')
        _pair(paths, f'{prefix}/connectors', tag, 'connectors', prm.CONNECTOR_SEARCH, strict, 'Connector')
        _pair(paths, f'{prefix}/businesses', tag, 'businesses', prm.BUSINESS_SEARCH, [], 'BusinessDetails')

    for version in ('3.5', '3.7'):
        for kind, summary in (
            ('static', 'DATEX II static sites (paged with offset/limit, total in X-Total-Count)'),
            ('realtime', 'DATEX II realtime status of locations with live EVSEs'),
            ('mobilithek/realtime', 'DATEX II realtime status in the Mobilithek message container'),
        ):
            paths[f'/api/public/datex/v{version}/json/{kind}'] = _op(
                f'{summary} – {version}', 'DATEX II', _query(prm.LOCATION_SEARCH), OBJ,
                rules=RULES['location_search'], headers=LIST_HEADERS, note=DATEX_NOTES.get((version, kind), ''),
            )  # fmt: skip
    ocpi = 'OCPI 2.2.1'
    envelope = _ref('OcpiResponse')
    paths['/ocpi/versions'] = _op('OCPI versions', ocpi, [], envelope)
    paths['/ocpi/2.2.1'] = _op('OCPI 2.2.1 version details', ocpi, [], envelope)
    paths['/ocpi/2.2.1/locations'] = _op('OCPI 2.2.1 locations (paginated, Link header)', ocpi,
                                         _query(OCPI_LOCATION_PARAMS), envelope, headers=OCPI_LIST_HEADERS)  # fmt: skip
    lid = _path_param('location_id', 'Location id', integer=False)
    euid = _path_param('evse_uid', 'EVSE uid', integer=False)
    cid = _path_param('connector_id', 'Connector id', integer=False)
    paths['/ocpi/2.2.1/locations/{location_id}'] = _op('One OCPI location', ocpi, [lid], envelope)
    paths['/ocpi/2.2.1/locations/{location_id}/{evse_uid}'] = _op('One OCPI EVSE', ocpi, [lid, euid], envelope)
    paths['/ocpi/2.2.1/locations/{location_id}/{evse_uid}/{connector_id}'] = _op(
        'One OCPI connector', ocpi, [lid, euid, cid], envelope
    )

    tile_params = [
        {'name': 'z', 'in': 'path', 'required': True, 'schema': {'type': 'integer', 'minimum': 0, 'maximum': 22}},
        {'name': 'x', 'in': 'path', 'required': True, 'schema': {'type': 'integer', 'minimum': 0}},
        {'name': 'y', 'in': 'path', 'required': True, 'schema': {'type': 'integer', 'minimum': 0}},
        *_query(prm.TILE_PARAMS),
        *_query(tile_filters.PARAMS),
    ]
    paths['/tiles/{z}/{x}/{y}.mvt'] = _op(
        'Mapbox vector tile: layer chargepoints (z >= 8) or clusters (z < 8)', 'Tiles', tile_params,
        {'type': 'string', 'format': 'binary'}, 'application/x-protobuf', rules=RULES['tile'],
    )  # fmt: skip
    paths['/tiles.json'] = _op('TileJSON 3.0', 'Tiles', [], {'type': 'object'})
    paths['/tiles/boundaries/{z}/{x}/{y}.mvt'] = _op(
        'Mapbox vector tile of German boundaries (VG25): layers boundaries and places', 'Tiles', tile_params[:3],
        {'type': 'string', 'format': 'binary'}, 'application/x-protobuf', rules=RULES['tile'],
    )  # fmt: skip
    paths['/map/config.json'] = _op('Map page: source attributions and filter choices', 'Tiles', [],
                                    {'type': 'object'})  # fmt: skip
    paths['/metrics'] = _op('Prometheus metrics', 'Operations', [], S, 'text/plain')
    paths['/health'] = _op('PostGIS and Redis health', 'Operations', [], {'type': 'object'})
    paths.update(dumps.openapi_paths())
    paths.update(statistics.openapi_paths())
    for path, item in paths.items():
        if path.startswith('/ocpi/'):
            for code in ('400', '404'):
                item['get']['responses'][code] = {
                    'description': 'OCPI error',
                    'content': {'application/json': {'schema': envelope}},
                }
    for path in ('/metrics', '/health', '/tiles.json', '/map/config.json', '/ocpi/versions', '/ocpi/2.2.1'):
        paths[path]['get']['responses'] = {'200': paths[path]['get']['responses']['200']}
    paths['/health']['get']['responses']['503'] = {'description': 'A dependency is down'}
    tags: list[str] = []
    for path, item in paths.items():
        op = item['get']
        op['operationId'] = _operation_id(path)
        tags += [t for t in op['tags'] if t not in tags]
    return {
        'openapi': '3.1.0',
        'info': {
            'title': 'OCPDB public API',
            'version': '1.0.0',
            'description': 'Open ChargePoint DataBase: locations, EVSEs, tariffs, vector tiles. No authentication.',
            'license': {'name': 'AGPL-3.0-or-later', 'identifier': 'AGPL-3.0-or-later'},
            'contact': {'name': 'OCPDB', 'url': base_url},
        },
        'servers': [{'url': base_url}],
        # public: one empty security requirement, i.e. no credentials needed
        'security': [{}],
        'tags': [{'name': t, 'description': TAG_DESCRIPTIONS.get(t, t)} for t in tags],
        'paths': paths,
        'components': {'schemas': COMPONENTS},
    }


def _operation_id(path: str) -> str:
    """`/api/public/v1/locations/{id}` -> `get_public_v1_locations_id` (unique: paths are)."""
    words = re.sub(r'[^A-Za-z0-9/]+', '_', path).split('/')
    return 'get_' + '_'.join(w.strip('_') for w in words if w and w != 'api')


TAG_DESCRIPTIONS = {
    'v1': 'The predecessor-compatible list and item endpoints',
    'OCPI 2.2 (OCPDB)': 'OCPI 2.2 shaped objects in the OCPDB list envelope',
    'OCPI 3.0 (OCPDB)': 'OCPI 3.0 shaped objects in the OCPDB list envelope',
    'DATEX II': 'DATEX II 3.5 and 3.7 (AFIR) JSON',
    'OCPI 2.2.1': 'The OCPI 2.2.1 Locations module, sender interface, in the OCPI envelope',
    'Tiles': 'Mapbox vector tiles and TileJSON',
    'Operations': 'Metrics and health',
}
# what the export states about each document's structure (also in the export asset's metadata)
DATEX_NOTES = {
    (version, kind): f'. Note: {note}'
    for (version, base), note in STRUCTURE_NOTES.items()
    for kind in ((base, 'mobilithek/realtime') if base == 'realtime' else (base,))
}
