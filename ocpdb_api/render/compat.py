"""The predecessor's public JSON shapes (§2.4), with its image-serialisation bug fixed."""

from __future__ import annotations

from typing import Any

from ocpdb_api.render.common import bits, day, deep_drop_nulls, drop_empty, drop_nulls, num, ts
from ocpdb_api.render.extensions import location_extensions, source_fields
from ocpdb_pipelines.model.enums import Capability, ParkingRestriction

Row = dict[str, Any]


class Ctx:
    """Per-request rendering options."""

    def __init__(self, strict: bool, image_base: str) -> None:
        self.strict = strict
        self.image_base = image_base

    def ext(self, value: Any) -> Any:
        """An OCPDB extension value: hidden in strict mode."""
        return None if self.strict else value


def image(row: Row, ctx: Ctx) -> Row:
    url = f'{ctx.image_base}/{row["id"]}.{row["type"]}' if row.get('type') else row['external_url']
    return drop_nulls(
        {
            'url': url,
            'category': row['category'],
            'type': row['type'],
            'width': row['width'],
            'height': row['height'],
            'original_url': ctx.ext(row['external_url']),
            'last_download': ctx.ext(ts(row['last_download'])),
        }
    )


def business(prefix: str, row: Row) -> Row | None:
    name = row.get(f'{prefix}_name')
    if name is None:
        return None
    return drop_nulls(
        {'name': name, 'website': row.get(f'{prefix}_website'), 'emobility_uid': row.get(f'{prefix}_emobility_uid')}
    )


def connector(row: Row, ctx: Ctx) -> Row:
    return drop_empty(
        {
            'standard': row['standard'],
            'format': row['format'],
            'power_type': row['power_type'],
            'max_voltage': row['max_voltage'],
            'max_amperage': row['max_amperage'],
            'max_electric_power': row['max_electric_power'],
            'last_updated': ts(row['last_updated']),
            'terms_and_conditions': row['terms_and_conditions'],
            'id': str(row['id']),
            'tariff_ids': row.get('tariff_ids') or None,
            'original_id': ctx.ext(row['uid']),
        }
    )


def coordinates(lat: Any, lon: Any, ctx: Ctx) -> Row | None:
    if lat is None or lon is None:
        return None
    out = {'latitude': num(lat), 'longitude': num(lon)}
    if not ctx.strict:
        out['lat'] = num(lat)
        out['lon'] = num(lon)
    return out


def evse(row: Row, station: Row | None, ctx: Ctx, *, station_fields: bool = True) -> Row:
    out: Row = {
        'uid': str(row['id']),
        'evse_id': row['evse_id'],
        'status': row['status'],
        'presence': row['presence'],
        'physical_reference': row['physical_reference'],
        'last_updated': ts(row['last_updated']),
        'status_last_updated': ts(row['status_last_updated']),
        'max_reservation': row['max_reservation'],
        'parking_restrictions': bits(row['parking_restrictions'], ParkingRestriction),
        'terms_and_conditions': row['terms_and_conditions'],
        'calibration_info_url': row['calibration_info_url'],
        'related_resources': row['related_resources'],
        'original_uid': ctx.ext(row['uid']),
    }
    if station_fields and station is not None:
        out['capabilities'] = bits(station['capabilities'], Capability)
        out['floor_level'] = station['floor_level']
        out['coordinates'] = _plain_coordinates(station)
        out['directions'] = station['directions']
    out['connectors'] = [connector(c, ctx) for c in row.get('_connectors', [])]
    out['images'] = [image(i, ctx) for i in row.get('_images', [])]
    return drop_empty(out)


def _plain_coordinates(row: Row) -> Row | None:
    if row.get('lat') is None or row.get('lon') is None:
        return None
    return {'latitude': num(row['lat']), 'longitude': num(row['lon'])}


def _max_power(unit: Any, value: Any) -> Row | None:
    if unit is None and value is None:
        return None
    return {'unit': unit, 'value': value}


def station(row: Row, ctx: Ctx) -> Row:
    return drop_empty(
        {
            'capabilities': bits(row['capabilities'], Capability),
            'floor_level': row['floor_level'],
            'physical_reference': row['physical_reference'],
            'last_updated': ts(row['last_updated']),
            'directions': row['directions'],
            'service_type': row['service_type'],
            'user_interface_languages': row['user_interface_languages'],
            'parking_spaces': row['parking_spaces'],
            'id': str(row['id']),
            'original_uid': ctx.ext(row['uid']),
            'go_live_date': ctx.ext(day(row['go_live_date'])),
            'max_power': ctx.ext(_max_power(row['max_power_unit'], row['max_power_value'])),
            'coordinates': _plain_coordinates(row),
            'images': [image(i, ctx) for i in row.get('_images', [])],
            'evses': [evse(e, row, ctx, station_fields=False) for e in row.get('_evses', [])],
        }
    )


def opening_times(row: Row) -> Row | None:
    hours = {
        'twentyfourseven': row['twentyfourseven'],
        'regular_hours': row['regular_hours'] or None,
        'exceptional_openings': row['exceptional_openings'] or None,
        'exceptional_closings': row['exceptional_closings'] or None,
    }
    hours = drop_nulls(hours)
    return hours or None


def _location_head(row: Row, ctx: Ctx) -> Row:
    return {
        'name': row['name'],
        'address': row['address'],
        'postal_code': row['postal_code'],
        'city': row['city'],
        'state': row['state'],
        'country': row['country'],
        'parking_type': row['parking_type'],
        'time_zone': row['time_zone'],
        'last_updated': ts(row['last_updated']),
        'terms_and_conditions': row['terms_and_conditions'],
        'charging_when_closed': row['charging_when_closed'],
        'help_phone': row['help_phone'],
        'has_in_person_support': row['has_in_person_support'],
        'facilities': list(row['facilities'] or []),
        'facility_description': row['facility_description'],
        'id': str(row['id']),
        'publish': True,
        'original_id': ctx.ext(row['uid']),
        'source': ctx.ext(row['source']),
        **{name: ctx.ext(value) for name, value in location_extensions(row).items()},
    }


def _location_tail(row: Row, ctx: Ctx) -> Row:
    return {
        'directions': row['directions'],
        'related_locations': row['related_locations'],
        'energy_mix': row['energy_mix'],
        'opening_times': opening_times(row),
        'coordinates': coordinates(row['lat'], row['lon'], ctx),
        'operator': business('operator', row),
        'owner': business('owner', row),
        'suboperator': business('suboperator', row),
    }


def location_22(row: Row, ctx: Ctx) -> Row:
    out = _location_head(row, ctx)
    out['max_power'] = ctx.ext(_max_power(row['max_power_unit'], row['max_power_value']))
    out.update(_location_tail(row, ctx))
    out['evses'] = [evse(e, s, ctx) for s in row.get('_stations', []) for e in s.get('_evses', [])]
    return drop_nulls(out)


def location_30(row: Row, ctx: Ctx) -> Row:
    out = _location_head(row, ctx)
    power = _max_power(row['max_power_unit'], row['max_power_value'])
    if power is not None and (ctx.strict or power['unit'] is not None):
        power = drop_nulls(power)
    out['max_power'] = power
    out.update(_location_tail(row, ctx))
    out['charging_pool'] = [station(s, ctx) for s in row.get('_stations', [])]
    return drop_nulls(out)


def business_item(row: Row, ctx: Ctx) -> Row:
    out = drop_nulls({'name': row['name'], 'website': row['website'], 'emobility_uid': row['emobility_uid']})
    if row.get('logo_id') is not None and row.get('logo_external_url') is not None:
        logo = {k[5:]: v for k, v in row.items() if k.startswith('logo_')}
        out['logo'] = image(logo, ctx)
    return out


def source(row: Row) -> Row:
    return source_fields(row)  # every column of the source row (ocpdb_api/render/extensions.py)


def _round_prices(elements: Any) -> Any:
    if not isinstance(elements, list):
        return elements
    for element in elements:
        for pc in (element or {}).get('price_components') or []:
            if isinstance(pc, dict) and isinstance(pc.get('price'), (int, float)):
                pc['price'] = round(pc['price'], 8)
    return elements


def tariff_30(row: Row) -> Row:
    return drop_nulls(
        {
            'id': str(row['id']),
            'original_id': row['uid'],
            'source': row['source'],
            'currency': row['currency'],
            'tariff_alt_url': row['tariff_alt_url'],
            'last_updated': ts(row['last_updated']),
            'elements': _round_prices(deep_drop_nulls(row['elements'] or [])),
            'tariff_alt_text': deep_drop_nulls(row['tariff_alt_text']),
            'min_price': deep_drop_nulls(row['min_price']),
            'max_price': deep_drop_nulls(row['max_price']),
            'energy_mix': deep_drop_nulls(row['energy_mix']),
        }
    )


AUDIENCE_TYPE = {'AD_HOC_PAYMENT': 'AD_HOC_PAYMENT', 'EMSP_CONTRACT': 'REGULAR'}


def tariff_22(row: Row) -> Row:
    """OCPI 2.2 Tariff built from one tariff association (id = association id)."""
    return drop_nulls(
        {
            'id': str(row['id']),
            'original_id': row['uid'],
            'source': row['source'],
            'currency': row['t_currency'],
            'type': AUDIENCE_TYPE.get(row['audience'] or ''),
            'elements': _round_prices(deep_drop_nulls(row['t_elements'] or [])),
            'start_date_time': ts(row['start_date_time']),
            'last_updated': ts(row['last_updated']),
            'tariff_alt_text': deep_drop_nulls(row['t_tariff_alt_text']),
            'tariff_alt_url': row['t_tariff_alt_url'],
            'min_price': deep_drop_nulls(row['t_min_price']),
            'max_price': deep_drop_nulls(row['t_max_price']),
            'energy_mix': deep_drop_nulls(row['t_energy_mix']),
        }
    )


def tariff_association(row: Row) -> Row:
    out = drop_nulls(
        {
            'id': str(row['id']),
            'original_id': row['uid'],
            'source': row['source'],
            'tariff_id': str(row['tariff_id']),
            'audience': row['audience'],
            'start_date_time': ts(row['start_date_time']),
            'last_updated': ts(row['last_updated']),
        }
    )
    out['evses'] = [{'evse_uid': str(i)} for i in row.get('evse_ids') or []]
    out['connectors'] = [{'connector_id': str(i)} for i in row.get('connector_ids') or []]
    return out
