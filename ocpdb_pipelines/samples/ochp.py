"""OCHP 1.4 SOAP samples for `ochp_albwerk` and `ochp_ladenetz`: GetChargePointList and GetStatus responses.

A ChargePointInfo record is one EVSE; the records of a location share its `locationId` (the parser
groups them). Enumerations come wrapped in their type element (`<status><ChargePointStatusType>…`)
as e-clearing.net sends them; `chargePointLocation` carries lat/lon as attributes. The status
response is a GetStatus full sync (major/minor per EVSE) a few minutes after the list.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ocpdb_pipelines.samples.areas import AACHEN, ALB_DONAU, DUEREN, MOENCHENGLADBACH, City
from ocpdb_pipelines.samples.files import write_bytes
from ocpdb_pipelines.samples.sites import Evse, Plug, Site, generate_sites, later_statuses

SOAPENV = 'http://schemas.xmlsoap.org/soap/envelope/'
OCHP = 'http://ochp.eu/1.4'
STANDARDS = {
    'IEC_62196_T2': 'IEC_62196_T2',
    'IEC_62196_T2_COMBO': 'IEC_62196_T2_COMBO',
    'CHADEMO': 'Chademo',
    'DOMESTIC_F': 'DOMESTIC_F',
}
LOCATION_TYPES = {
    'ON_STREET': 'on-street',
    'PARKING_LOT': 'parking-lot',
    'PARKING_GARAGE': 'parking-garage',
    'UNDERGROUND_GARAGE': 'underground-garage',
}
# EvseStatus -> (major, minor or None)
LIVE_STATUS = {
    'AVAILABLE': ('available', 'available'),
    'CHARGING': ('available', 'charging'),
    'RESERVED': ('available', 'reserved'),
    'OUTOFORDER': ('not-available', 'outoforder'),
    'INOPERATIVE': ('not-available', None),
}


@dataclass(frozen=True)
class OchpSource:
    uid: str
    cities: tuple[City, ...]
    count: int
    phone: str
    # eMI3 operator id per city name (ladenetz is a roaming network of several municipal utilities)
    operator_ids: dict[str, str]
    location_prefix: str


SOURCES: dict[str, OchpSource] = {
    'ochp_albwerk': OchpSource(
        'ochp_albwerk',
        ALB_DONAU,
        24,
        '+49 7331 2090',
        {city.name: 'DE*ALB' for city in ALB_DONAU},
        'ALB',
    ),
    'ochp_ladenetz': OchpSource(
        'ochp_ladenetz',
        (AACHEN, DUEREN, MOENCHENGLADBACH),
        30,
        '+49 241 1810',
        {AACHEN.name: 'DE*SWA', DUEREN.name: 'DE*SWD', MOENCHENGLADBACH.name: 'DE*NEW'},
        'LN',
    ),
}


def source_sites(source: OchpSource, seed: int) -> list[Site]:
    rng = random.Random(f'{source.uid}-{seed}')
    ids = source.operator_ids
    return generate_sites(
        rng,
        source.cities,
        source.count,
        mix=(('ac22', 7), ('ac_schuko', 1), ('dc50', 2)),
        evse_id=lambda site, station, index: f'{ids[site.city.name]}*E{site.number:04d}{station.number}*{index + 1}',
    )


def _sub(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f'{{{OCHP}}}{name}', dict(attributes))
    if text is not None:
        element.text = text
    return element


def _wrapped(parent: etree._Element, name: str, type_name: str, text: str) -> None:
    _sub(_sub(parent, name), type_name, text)


def _connector(parent: etree._Element, plug: Plug) -> None:
    connectors = _sub(parent, 'connectors')
    _wrapped(connectors, 'connectorStandard', 'ConnectorStandard', STANDARDS[plug.standard])
    _wrapped(connectors, 'connectorFormat', 'ConnectorFormat', 'Cable' if plug.format == 'CABLE' else 'Socket')


def _record(parent: etree._Element, source: OchpSource, site: Site, evse: Evse) -> None:
    record = _sub(parent, 'chargePointInfoArray')
    _sub(record, 'evseId', evse.evse_id)
    _sub(record, 'locationId', f'{source.location_prefix}{site.number:05d}')
    _wrapped(record, 'timestamp', 'DateTime', evse.last_updated.strftime('%Y-%m-%dT%H:%M:%SZ'))
    _sub(record, 'locationName', f'{site.street} {site.house_number}, {site.city.name}'[:100])
    _sub(record, 'locationNameLang', 'DEU')
    address = _sub(record, 'chargePointAddress')
    _sub(address, 'address', site.street)
    _sub(address, 'houseNumber', site.house_number)
    _sub(address, 'zipCode', site.postcode)
    _sub(address, 'city', site.city.name)
    _sub(address, 'country', 'DEU')
    _sub(record, 'chargePointLocation', lat=f'{site.lat:.6f}', lon=f'{site.lon:.6f}')
    _sub(record, 'timeZone', 'Europe/Berlin')
    _wrapped(record, 'location', 'GeneralLocationType', LOCATION_TYPES.get(site.parking_type, 'other'))
    _sub(record, 'chargePointType', 'DC' if evse.is_dc else 'AC')
    for plug in evse.plugs:
        _connector(record, plug)
    opening = _sub(record, 'openingTimes')
    if site.twentyfourseven:
        _sub(opening, 'twentyfourseven', 'true')
    else:
        for weekday in range(1, 7):
            _sub(opening, 'regularHours', weekday=str(weekday), periodBegin='07:00', periodEnd='21:00')
    _sub(opening, 'closedCharging', 'false')
    operative = evse.status not in ('OUTOFORDER', 'INOPERATIVE')
    _wrapped(record, 'status', 'ChargePointStatusType', 'Operative' if operative else 'Inoperative')
    _sub(record, 'telephoneNumber', source.phone)
    _wrapped(record, 'parkingRestriction', 'RestrictionType', 'evonly')
    for method in ('RfidMifareCls', 'DirectCreditcard') if evse.is_dc else ('RfidMifareCls', 'OchpDirectAuth'):
        _wrapped(record, 'authMethods', 'AuthMethodType', method)
    ratings = _sub(record, 'ratings')
    _sub(ratings, 'maximumPower', f'{evse.power / 1000:.1f}')
    _sub(ratings, 'nominalVoltage', str(max(plug.voltage for plug in evse.plugs)))
    _sub(record, 'userInterfaceLang', 'DEU')


def _envelope(build) -> bytes:
    root = etree.Element(f'{{{SOAPENV}}}Envelope', nsmap={'soapenv': SOAPENV, 'ns': OCHP})
    etree.SubElement(root, f'{{{SOAPENV}}}Header')
    build(etree.SubElement(root, f'{{{SOAPENV}}}Body'))
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8', pretty_print=True)


def charge_point_list(uid: str, seed: int = 1) -> bytes:
    source = SOURCES[uid]
    sites = source_sites(source, seed)

    def build(body: etree._Element) -> None:
        response = _sub(body, 'GetChargePointListResponse')
        result = _sub(response, 'result')
        _wrapped(result, 'resultCode', 'resultCode', 'ok')
        _sub(result, 'resultDescription', 'Success')
        for site in sites:
            for evse in site.evses:
                _record(response, source, site, evse)

    return _envelope(build)


def status_response(uid: str, seed: int = 1) -> bytes:
    source = SOURCES[uid]
    sites = later_statuses(source_sites(source, seed), seed)

    def build(body: etree._Element) -> None:
        response = _sub(body, 'GetStatusResponse')
        for site in sites:
            for evse in site.evses:
                major, minor = LIVE_STATUS[evse.status]
                element = _sub(response, 'evse')
                _sub(element, 'evseId', evse.evse_id)
                _sub(element, 'major', major)
                if minor:
                    _sub(element, 'minor', minor)

    return _envelope(build)


def write_charge_point_list(path: str | Path, uid: str, seed: int = 1) -> Path:
    return write_bytes(path, charge_point_list(uid, seed))


def write_status(path: str | Path, uid: str, seed: int = 1) -> Path:
    return write_bytes(path, status_response(uid, seed))
