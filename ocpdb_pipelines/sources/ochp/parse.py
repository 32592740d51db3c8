"""OCHP 1.4 ChargePointInfo / EvseStatus -> the common model (spec/sources.md §3.5).

Fixed against the predecessor: every DOMESTIC_x plug keeps its letter; one `parkingRestriction`
element is enough; image height is the height; authMethods become station capabilities; the
nominal voltage survives (amperage is derived from it, per phase for 3-phase AC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree
from pydantic import ValidationError

from ocpdb_pipelines.model.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    ImageCategory,
    ParkingRestriction,
    ParkingType,
    PowerType,
)
from ocpdb_pipelines.model.updates import (
    BusinessUpdate,
    ChargingStationUpdate,
    ConnectorUpdate,
    EvseRealtimeUpdate,
    EvseUpdate,
    ImageUpdate,
    LocationUpdate,
    RegularHours,
    SkippedRecord,
)
from ocpdb_pipelines.sources.base import PayloadError, skip
from ocpdb_pipelines.sources.ochp.wire import child, children, element_value, value

CT = ConnectorType
CONNECTOR_STANDARDS: dict[str, ConnectorType] = {member.name: member for member in ConnectorType}
CONNECTOR_STANDARDS['Chademo'] = CT.CHADEMO
SINGLE_PHASE = frozenset({CT.IEC_60309_2_single_16, *(t for t in CT if t.name.startswith('DOMESTIC_'))})

CONNECTOR_FORMATS = {'Socket': ConnectorFormat.SOCKET, 'Cable': ConnectorFormat.CABLE}
PARKING_TYPES = {
    'on_street': ParkingType.ON_STREET,
    'parking_garage': ParkingType.PARKING_GARAGE,
    'underground_garage': ParkingType.UNDERGROUND_GARAGE,
    'parking_lot': ParkingType.PARKING_LOT,
    'private': ParkingType.PRIVATE,
}
STATIC_STATUS = {
    'Unknown': EvseStatus.UNKNOWN,
    'Operative': EvseStatus.AVAILABLE,
    'Inoperative': EvseStatus.INOPERATIVE,
    'Planned': EvseStatus.PLANNED,
    'Closed': EvseStatus.REMOVED,
}
RESTRICTIONS = {
    'evonly': ParkingRestriction.EV_ONLY,
    'plugged': ParkingRestriction.PLUGGED,
    'disabled': ParkingRestriction.DISABLED,
    'customers': ParkingRestriction.CUSTOMERS,
    'motorcycles': ParkingRestriction.MOTORCYCLES,
    'carsharing': ParkingRestriction.CARSHARING,
}
IMAGE_CATEGORIES = {
    'networkLogo': ImageCategory.NETWORK,
    'operatorLogo': ImageCategory.OPERATOR,
    'ownerLogo': ImageCategory.OWNER,
    'stationPhoto': ImageCategory.CHARGER,
    'locationPhoto': ImageCategory.LOCATION,
    'entrancePhoto': ImageCategory.ENTRANCE,
    'otherPhoto': ImageCategory.OTHER,
    'otherLogo': ImageCategory.OTHER,
    'otherGraphic': ImageCategory.OTHER,
}
AUTH_CAPABILITIES = {
    'Public': Capability.PUBLIC,
    'LocalKey': Capability.LOCAL_KEY,
    'DirectCash': Capability.CASH,
    'DirectCreditcard': Capability.CREDIT_CARD_PAYABLE,
    'DirectDebitcard': Capability.DEBIT_CARD_PAYABLE,
    'RfidMifareCls': Capability.RFID_READER,
    'RfidMifareDes': Capability.RFID_READER,
    'RfidCalypso': Capability.RFID_READER,
    'Iec15118': Capability.IEC15118,
    'OchpDirectAuth': Capability.REMOTE_START_STOP_CAPABLE,
    'OperatorAuth': Capability.DIRECT_REMOTE,
}
MINOR_STATUS = {
    'available': EvseStatus.AVAILABLE,
    'reserved': EvseStatus.RESERVED,
    'charging': EvseStatus.CHARGING,
    'blocked': EvseStatus.BLOCKED,
    'outoforder': EvseStatus.OUTOFORDER,
}
MAJOR_STATUS = {
    'available': EvseStatus.AVAILABLE,
    'not_available': EvseStatus.INOPERATIVE,
    'unknown': EvseStatus.UNKNOWN,
}


class _Reject(Exception):
    """The record cannot be mapped; the message is the reason."""


def enum_key(raw: str | None) -> str:
    return (raw or '').replace('-', '_')


def parse_timestamp(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise _Reject(f'unreadable timestamp {raw!r}') from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _decimal(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        parsed = Decimal(raw)
    except InvalidOperation:
        return None
    return parsed if parsed.is_finite() else None


def _bool(raw: str | None) -> bool | None:
    if raw is None:
        return None
    return raw.strip().lower() in ('true', '1')


# -- records -------------------------------------------------------------------------------------


class ChargePointListMapper:
    """Groups ChargePointInfo records by locationId; the first record of a location supplies its fields."""

    def __init__(self, operator: str | None = None):
        self.operator = operator
        self.skipped: list[SkippedRecord] = []
        self._locations: dict[str, dict[str, Any]] = {}

    def add(self, record: etree._Element) -> None:
        reference = value(record, 'evseId') or value(record, 'locationId') or '?'
        try:
            location_id, evse, location_fields, images, capabilities = self._record(record)
        except _Reject as exc:
            self.skipped.append(skip(reference, str(exc)))
            return
        except (ValidationError, ValueError, ArithmeticError) as exc:
            self.skipped.append(skip(reference, f'invalid record: {exc}'))
            return
        location = self._locations.get(location_id)
        if location is None:
            location = self._locations[location_id] = {
                'fields': location_fields,
                'evses': {},
                'images': {},
                'capabilities': set(),
            }
        location['evses'][evse.uid] = evse  # a repeated evseId: the later record wins
        for image in images:
            location['images'].setdefault(image.external_url, image)
        location['capabilities'] |= capabilities

    def locations(self) -> list[LocationUpdate]:
        result = []
        for location_id, location in self._locations.items():
            fields = location['fields']
            try:
                station = ChargingStationUpdate(
                    uid=location_id,
                    evses=list(location['evses'].values()),
                    last_updated=fields.get('last_updated'),
                    capabilities=sorted(location['capabilities'], key=int) or None,
                )
                update = LocationUpdate(
                    **fields,
                    uid=location_id,
                    charging_pool=[station],
                    images=list(location['images'].values()) or None,
                    operator=BusinessUpdate(name=self.operator) if self.operator else None,
                )
            except ValidationError as exc:
                self.skipped.append(skip(f'location {location_id}', f'invalid location: {exc}'))
                continue
            result.append(update)
        return result

    def _record(self, record: etree._Element):
        evse_id = value(record, 'evseId')
        location_id = value(record, 'locationId')
        if not evse_id or not location_id:
            raise _Reject('record without evseId or locationId')
        if len(evse_id) > 64 or len(location_id) > 36:
            raise _Reject('evseId longer than 64 or locationId longer than 36 characters')
        point = child(record, 'chargePointLocation')
        lat, lon = _decimal(value(point, 'lat')), _decimal(value(point, 'lon'))
        if lat is None or lon is None:
            raise _Reject('no chargePointLocation lat/lon')
        timestamp = parse_timestamp(value(record, 'timestamp'))
        address = child(record, 'chargePointAddress')
        street = (value(address, 'address') or '').strip()
        house_number = (value(address, 'houseNumber') or '').strip()
        if house_number and house_number != '0':
            street = f'{street} {house_number}'
        fields: dict[str, Any] = {
            'name': value(record, 'locationName'),
            'address': street.strip().replace('  ', ' ') or None,
            'postal_code': value(address, 'zipCode'),
            'city': value(address, 'city'),
            'country': (value(address, 'country') or '').upper() or None,
            'lat': lat,
            'lon': lon,
            'time_zone': value(record, 'timeZone') or 'Europe/Berlin',
            'help_phone': value(record, 'telephoneNumber'),
            'parking_type': PARKING_TYPES.get(enum_key(value(record, 'location'))),
            'last_updated': timestamp,
            **_opening_times(child(record, 'openingTimes')),
        }
        images = [_image(element) for element in children(record, 'images')]
        images = [image for image in images if image is not None]
        standards = []
        for connector in children(record, 'connectors'):
            standards.append(
                (
                    CONNECTOR_STANDARDS.get(value(connector, 'connectorStandard') or ''),
                    CONNECTOR_FORMATS.get(value(connector, 'connectorFormat') or ''),
                )
            )
        if not standards:
            raise _Reject('record without connectors')
        charge_point_type = (value(record, 'chargePointType') or '').upper()
        ratings = child(record, 'ratings')
        power_kw = _decimal(value(ratings, 'maximumPower'))
        power = int(power_kw * 1000) if power_kw is not None and power_kw > 0 else None
        nominal = _decimal(value(ratings, 'nominalVoltage'))
        voltage = int(nominal) if nominal is not None and nominal > 0 else None
        connectors = []
        for index, (standard, connector_format) in enumerate(standards):
            if charge_point_type == 'DC':
                power_type = PowerType.DC
            elif charge_point_type == 'AC':
                power_type = PowerType.AC_1_PHASE if standard in SINGLE_PHASE else PowerType.AC_3_PHASE
            else:
                power_type = None
            connectors.append(
                ConnectorUpdate(
                    uid=str(index),
                    standard=standard,
                    format=connector_format,
                    power_type=power_type,
                    max_electric_power=power,
                    max_voltage=voltage,
                )
            )
        restrictions = [
            RESTRICTIONS[key]
            for key in (element_value(e) for e in children(record, 'parkingRestriction'))
            if key in RESTRICTIONS
        ]
        evse = EvseUpdate(
            uid=evse_id,
            evse_id=evse_id,
            status=STATIC_STATUS.get(value(record, 'status') or ''),
            last_updated=timestamp,
            parking_restrictions=restrictions or None,
            images=[image for image in images if image.category == ImageCategory.CHARGER] or None,
            connectors=connectors,
        )
        capabilities = {
            AUTH_CAPABILITIES[key]
            for key in (element_value(e) for e in children(record, 'authMethods'))
            if key in AUTH_CAPABILITIES
        }
        return location_id, evse, fields, images, capabilities


def _opening_times(element: etree._Element | None) -> dict[str, Any]:
    if element is None:
        return {}
    always = _bool(value(element, 'twentyfourseven'))
    if always is not None:
        return {'twentyfourseven': always}
    hours = []
    for regular in children(element, 'regularHours'):
        weekday, begin, end = value(regular, 'weekday'), value(regular, 'periodBegin'), value(regular, 'periodEnd')
        if weekday and weekday.isdigit() and begin and end:
            hours.append(RegularHours(weekday=int(weekday), period_begin=begin[:5], period_end=end[:5]))
    return {'twentyfourseven': False, 'regular_hours': hours} if hours else {}


def _image(element: etree._Element) -> ImageUpdate | None:
    uri = value(element, 'uri')
    if not uri:
        return None
    width, height = value(element, 'width'), value(element, 'height')
    return ImageUpdate(
        external_url=uri,
        category=IMAGE_CATEGORIES.get(value(element, 'class') or ''),
        type=value(element, 'type'),
        width=int(width) if width and width.isdigit() else None,
        height=int(height) if height and height.isdigit() else None,
    )


def check_result(response: etree._Element) -> None:
    """A result code other than ok/partly means the list is not trustworthy: fail, change nothing."""
    result = child(response, 'result')
    code = element_value(child(result, 'resultCode'))  # <resultCode><resultCode>ok</…> or plain
    if result is None or code is None:
        raise PayloadError('OCHP GetChargePointListResponse without result.resultCode')
    if code not in ('ok', 'partly'):
        raise PayloadError(f'OCHP result {code}: {value(result, "resultDescription")}')


def status_update(element: etree._Element) -> EvseRealtimeUpdate | SkippedRecord:
    evse_id = value(element, 'evseId')
    major = enum_key(value(element, 'major'))
    minor = enum_key(value(element, 'minor'))
    if not evse_id or not major:
        return skip(evse_id or etree.tostring(element)[:80], 'evse status without evseId or major')
    status = MINOR_STATUS.get(minor) if minor else MAJOR_STATUS.get(major)
    if status is None:
        return skip(evse_id, f'unknown status major={major!r} minor={minor!r}')
    try:
        return EvseRealtimeUpdate(uid=evse_id, evse_id=evse_id, status=status)
    except ValidationError as exc:
        return skip(evse_id, f'invalid status: {exc.errors()[0]["msg"]}')
