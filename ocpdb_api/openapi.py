"""OpenAPI 3.1 document of every public endpoint, generated from the same parameter specs the handlers parse."""

from __future__ import annotations

from typing import Any

from ocpdb_api import params as prm
from ocpdb_api.routes import dumps, statistics
from ocpdb_api.routes.ocpi_221 import LOCATION_PARAMS as OCPI_LOCATION_PARAMS

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
ARR_S = {'type': 'array', 'items': S}
ANY_LIST = {'type': 'array'}

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
            'directions': ANY_LIST,
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
            'directions': ANY_LIST,
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
    'original_id': S, 'source': S, 'official_region_code': S, 'max_power': _ref('MaxPower'),
    'directions': ANY_LIST, 'related_locations': ANY_LIST, 'energy_mix': {'type': 'object'},
    'opening_times': {'type': 'object'}, 'coordinates': _ref('GeoLocation'),
    'operator': _ref('BusinessDetails'), 'owner': _ref('BusinessDetails'), 'suboperator': _ref('BusinessDetails'),
}  # fmt: skip
COMPONENTS['Location'] = _obj(
    {**_LOCATION_PROPS, 'evses': {'type': 'array', 'items': _ref('EVSE')}}, ['id', 'publish', 'evses']
)
COMPONENTS['Ocpi30Location'] = _obj(
    {**_LOCATION_PROPS, 'charging_pool': {'type': 'array', 'items': _ref('ChargingStation')}},
    ['id', 'publish', 'charging_pool'],
)
COMPONENTS['Source'] = _obj(
    {
        'id': INT, 'created': DT, 'modified': DT, 'uid': S, 'name': {'type': ['string', 'null']},
        'public_url': {'type': ['string', 'null']}, 'static_data_updated_at': {'type': ['string', 'null']},
        'realtime_data_updated_at': {'type': ['string', 'null']},
        'attribution_license': {'type': ['string', 'null']}, 'attribution_contributor': {'type': ['string', 'null']},
        'attribution_url': {'type': ['string', 'null']}, 'static_status': S, 'realtime_status': S,
        'static_error_count': INT, 'realtime_error_count': INT,
    },
    ['id', 'uid', 'static_status', 'realtime_status'],
)  # fmt: skip
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
    return [
        {'name': p.name, 'in': 'query', 'required': False, 'description': p.description, 'schema': p.schema()}
        for p in params
    ]


def _path_param(name: str, description: str, integer: bool = True) -> Schema:
    schema = {'type': 'integer', 'minimum': 0, 'maximum': prm.MAX_ID} if integer else {'type': 'string'}
    return {'name': name, 'in': 'path', 'required': True, 'description': description, 'schema': schema}


ERRORS = {
    '400': {'description': 'Invalid parameter', 'content': {'application/json': {'schema': _ref('errorResponse')}}},
    '404': {'description': 'Not found', 'content': {'application/json': {'schema': _ref('errorResponse')}}},
}


def _op(summary: str, tag: str, params: list[Schema], schema: Schema, media: str = 'application/json') -> Schema:
    return {
        'get': {
            'summary': summary,
            'tags': [tag],
            'parameters': params,
            'responses': {'200': {'description': 'OK', 'content': {media: {'schema': schema}}}, **ERRORS},
        }
    }


def _pair(paths: dict, base: str, tag: str, entity: str, search: list[prm.Param], item_params: list[prm.Param],
          schema: str) -> None:  # fmt: skip
    paths[base] = _op(f'List {entity}', tag, _query(search), _list_schema(schema))
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
                f'{summary} – {version}', 'DATEX II', _query(prm.LOCATION_SEARCH), {'type': 'object'}
            )
    ocpi = 'OCPI 2.2.1'
    envelope = _ref('OcpiResponse')
    paths['/ocpi/versions'] = _op('OCPI versions', ocpi, [], envelope)
    paths['/ocpi/2.2.1'] = _op('OCPI 2.2.1 version details', ocpi, [], envelope)
    paths['/ocpi/2.2.1/locations'] = _op('OCPI 2.2.1 locations (paginated, Link header)', ocpi,
                                         _query(OCPI_LOCATION_PARAMS), envelope)  # fmt: skip
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
    ]
    paths['/tiles/{z}/{x}/{y}.mvt'] = _op(
        'Mapbox vector tile: layer chargepoints (z >= 8) or clusters (z < 8)', 'Tiles', tile_params,
        {'type': 'string', 'format': 'binary'}, 'application/x-protobuf',
    )  # fmt: skip
    paths['/tiles.json'] = _op('TileJSON 3.0', 'Tiles', [], {'type': 'object'})
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
    for path in ('/metrics', '/health', '/tiles.json', '/ocpi/versions', '/ocpi/2.2.1'):
        paths[path]['get']['responses'] = {'200': paths[path]['get']['responses']['200']}
    paths['/health']['get']['responses']['503'] = {'description': 'A dependency is down'}
    return {
        'openapi': '3.1.0',
        'info': {
            'title': 'OCPDB public API',
            'version': '1.0.0',
            'description': 'Open ChargePoint DataBase: locations, EVSEs, tariffs, vector tiles. No authentication.',
        },
        'servers': [{'url': base_url}],
        'paths': paths,
        'components': {'schemas': COMPONENTS},
    }
