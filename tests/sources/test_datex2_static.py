"""DATEX II static parsing on the real EnBW (3.5) and giro-e (3.7) samples, plus broken variants."""

from __future__ import annotations

import copy
import gzip
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest

from ocpdb_pipelines.model.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    PowerType,
    ServiceType,
    TariffAudience,
    TariffDimensionType,
    TariffType,
)
from ocpdb_pipelines.sources.base import PayloadError
from ocpdb_pipelines.sources.common.values import load_json
from ocpdb_pipelines.sources.datex2.parse import parse_static_document
from tests.fixtures_dir import fixture_bytes


def _enbw() -> dict:
    return orjson.loads(fixture_bytes('datex2', 'enbw_static.json'))


def _giroe() -> dict:
    return orjson.loads(fixture_bytes('datex2', 'giroe_static_v3_7.json'))


def _sites(document: dict) -> list[dict]:
    return document['payload']['aegiEnergyInfrastructureTablePublication']['energyInfrastructureTable'][0][
        'energyInfrastructureSite'
    ]


def _parse(document: dict, version: str = '3.5', uid: str = 'datex2_enbw'):
    return parse_static_document(document, source_uid=uid, version=version)


def _by_uid(items):
    return {item.uid: item for item in items}


def test_enbw_structure_and_location_fields():
    batch = _parse(_enbw())
    assert batch.skipped == []
    assert len(batch.locations) == 10
    assert sum(len(loc.charging_pool) for loc in batch.locations) == 27
    assert sum(len(st.evses) for loc in batch.locations for st in loc.charging_pool) == 57
    location = _by_uid(batch.locations)['800030182']
    assert location.name is None
    assert location.last_updated is None
    assert (location.lat, location.lon) == (Decimal('48.7185440'), Decimal('9.6118290'))
    assert location.address == 'Siemensstraße 10'
    assert location.postal_code == '73117'
    assert location.city == 'Wangen'
    assert location.country == 'DEU'
    assert location.time_zone == 'Europe/Berlin'
    assert location.operator.name == 'ENBW'
    assert location.operator.emobility_uid == 'EBW'  # operatorId, not operatorIdBNetzA
    assert location.owner is None
    assert location.twentyfourseven is True
    assert location.regular_hours is None
    assert location.help_phone == '+49 721 72 586 460'
    assert location.energy_mix.is_green_energy is True
    # four identical single spaces merge into one of 4; 'l' is no EU category and is dropped
    [space] = location.parking_spaces
    assert space.parking_space_count == 4
    assert [v.value if hasattr(v, 'value') else v for v in space.vehicle_types] == ['m1']
    assert (space.has_roof, space.is_illuminated, space.is_accessible) == (False, False, False)


def test_enbw_opening_hours_specification_becomes_regular_hours():
    location = _by_uid(_parse(_enbw()).locations)['800002059']
    assert location.twentyfourseven is False
    hours = [(h.weekday, h.period_begin, h.period_end) for h in location.regular_hours]
    assert hours == [(day, '08:00', '21:15') for day in range(1, 6)] + [(6, '08:00', '20:15')]


def test_enbw_station_evse_connector_fields():
    location = _by_uid(_parse(_enbw()).locations)['800007007']
    station = _by_uid(location.charging_pool)['12908']
    assert station.max_power.value == 150000.0
    assert station.max_power.unit.value == 'W'
    assert station.capabilities == [
        Capability.CREDIT_CARD_PAYABLE,
        Capability.DEBIT_CARD_PAYABLE,
        Capability.REMOTE_START_STOP_CAPABLE,
        Capability.RFID_READER,
    ]
    assert station.service_type == ServiceType.UNATTENDED
    assert station.user_interface_languages == ['de', 'en']
    assert (station.lat, station.lon) is not None
    evses = _by_uid(station.evses)
    assert list(evses) == ['DE*EBW*E909938*2', 'DE*EBW*E909938*3', 'DE*EBW*E909938*1']
    dc = evses['DE*EBW*E909938*2']
    assert dc.evse_id == 'DE*EBW*E909938*2'
    assert dc.status is None  # static DATEX carries no status: the live one is kept
    [connector] = dc.connectors
    assert connector.uid == '0'
    assert connector.standard == ConnectorType.IEC_62196_T2_COMBO
    assert connector.format == ConnectorFormat.CABLE
    assert connector.power_type == PowerType.DC
    assert (connector.max_voltage, connector.max_amperage, connector.max_electric_power) == (1000, 150, 150000)
    [ac_connector] = evses['DE*EBW*E909938*3'].connectors
    assert ac_connector.standard == ConnectorType.IEC_62196_T2
    assert ac_connector.format == ConnectorFormat.SOCKET
    assert ac_connector.power_type == PowerType.AC_3_PHASE
    # 22 kW on three phases of 230 V: 32 A per phase (the predecessor stored 95 A)
    assert (ac_connector.max_voltage, ac_connector.max_amperage, ac_connector.max_electric_power) == (230, 32, 22000)


def test_enbw_tariffs_grouped_with_exact_prices():
    batch = _parse(_enbw())
    evses = [evse for loc in batch.locations for st in loc.charging_pool for evse in st.evses]
    associations = {a.uid: a for evse in evses for a in evse.tariff_associations}
    tariffs = {a.tariff.uid: a.tariff for a in associations.values()}
    assert len(tariffs) == 2  # DC and AC price sheets
    assert len(associations) == 2
    for uid in (*tariffs, *associations):
        assert len(uid) == 32
        int(uid, 16)
    dc = next(t for t in tariffs.values() if t.elements[0].price_components[0].price == Decimal('0.66386555'))
    assert dc.currency == 'EUR'
    assert dc.type == TariffType.AD_HOC_PAYMENT
    energy, time_element = dc.elements
    assert energy.price_components[0].type == TariffDimensionType.ENERGY
    assert energy.price_components[0].taxes[0].name == 'VAT'
    assert energy.price_components[0].taxes[0].percentage == 19.0
    assert energy.restrictions is None
    assert time_element.price_components[0].type == TariffDimensionType.TIME
    assert str(time_element.price_components[0].price) == '0.20000000'  # no float noise
    assert time_element.restrictions.min_duration == 1800
    assert time_element.restrictions.max_duration is None  # toMinute 0 is no upper bound
    association = next(a for a in associations.values() if a.tariff is dc)
    assert association.audience == TariffAudience.AD_HOC_PAYMENT
    # grouped: newest last_updated, oldest start_date_time over all EnBW DC points
    rates = [
        rate
        for site in _sites(_enbw())
        for station in site['energyInfrastructureStation']
        for point in station['refillPoint']
        for energy in point['aegiElectricChargingPoint']['electricEnergy']
        for rate in energy['energyRate']
        if rate['energyPrice'][0]['value'] == 0.66386555
    ]
    stamps = [datetime.fromisoformat(rate['lastUpdated']) for rate in rates]
    assert association.start_date_time == min(stamps)
    assert association.last_updated == max(stamps)
    assert dc.last_updated == max(stamps)


def test_tariff_uids_are_stable_and_source_scoped():
    first = _parse(_enbw())
    second = _parse(_enbw())
    other = _parse(_enbw(), uid='datex2_other')

    def uids(batch):
        return sorted(
            {
                a.uid
                for loc in batch.locations
                for st in loc.charging_pool
                for e in st.evses
                for a in e.tariff_associations
            }
        )

    assert uids(first) == uids(second)
    assert set(uids(first)).isdisjoint(uids(other))


def test_giroe_v3_7_fields():
    batch = _parse(_giroe(), version='3.7', uid='datex2_giroe')
    assert batch.skipped == []
    assert len(batch.locations) == 8
    location = _by_uid(batch.locations)['2629']
    assert (location.lat, location.lon) == (Decimal('51.4708953'), Decimal('7.2195074'))
    assert location.address == 'Christstr. 9-11'
    assert location.postal_code == '44789'  # trailing space trimmed
    assert location.city == 'Bochum'
    assert location.country == 'DEU'
    assert location.time_zone == '+01:00'
    assert location.operator.name == 'GLS Mobility GmbH'
    assert location.operator.emobility_uid is None
    assert location.last_updated == datetime(2024, 12, 9, 7, 48, 23, tzinfo=UTC)
    assert location.energy_mix.is_green_energy is False
    assert location.parking_spaces is None
    station = _by_uid(location.charging_pool)['10338']
    assert station.max_power is None  # absent in 3.7
    assert station.capabilities is None
    assert station.service_type == ServiceType.UNATTENDED  # from the site
    evse = _by_uid(station.evses)['10338']
    assert evse.last_updated == datetime(2026, 5, 4, 13, 46, 4, tzinfo=UTC)
    [connector] = evse.connectors
    assert connector.format == ConnectorFormat.SOCKET
    assert connector.power_type == PowerType.AC_3_PHASE
    assert (connector.max_voltage, connector.max_amperage, connector.max_electric_power) == (400, 32, 22000)
    # two distinct rates -> two associations; the per-minute fee only applies 08:00-20:00 after 300 min
    assert len(evse.tariff_associations) == 2
    base = evse.tariff_associations[0].tariff
    assert [(c.type, c.price) for e in base.elements for c in e.price_components] == [
        (TariffDimensionType.FLAT, Decimal('0.35')),
        (TariffDimensionType.ENERGY, Decimal('0.32')),
        (TariffDimensionType.TIME, Decimal('0.00533333')),
    ]
    assert base.elements[0].price_components[0].taxes[0].percentage == 19.0  # 0.19 read as a fraction
    restrictions = base.elements[2].restrictions
    assert (restrictions.start_time, restrictions.end_time, restrictions.min_duration) == ('08:00', '20:00', 18000)
    cable = _by_uid(_by_uid(location.charging_pool)['17032'].evses)['20842'].connectors[0]
    assert cable.format == ConnectorFormat.CABLE  # connectorFormat cableMode2


def test_giroe_repeated_rate_and_empty_price_list():
    batch = _parse(_giroe(), version='3.7', uid='datex2_giroe')
    evses = {e.uid: e for loc in batch.locations for st in loc.charging_pool for e in st.evses}
    [association] = evses['4244'].tariff_associations  # rate 2180 listed twice: once
    assert len(association.tariff.elements) == 1
    [empty] = evses['18812'].tariff_associations  # rate 1852 has no energyPrice
    assert empty.tariff.elements == []
    assert empty.tariff.currency == 'EUR'


def test_message_container_and_gzip_are_accepted():
    wrapped = {'messageContainer': {'payload': [_enbw()['payload']]}}
    body = gzip.compress(orjson.dumps(wrapped))
    batch = _parse(load_json(body))
    assert len(batch.locations) == 10


def test_v3_7_native_prefixes_and_facility_location_name():
    document = _giroe()
    text = orjson.dumps(document).decode()
    text = text.replace('"aegi', '"egi').replace('"afac', '"fac').replace('AfirFacilityLocation', 'FacilityLocation')
    renamed = orjson.loads(text)
    renamed['payload']['egiEnergyInfrastructureTablePublication'] = renamed['payload'].pop(
        'egiEnergyInfrastructureTablePublication'
    )
    batch = _parse(renamed, version='3.7')
    assert len(batch.locations) == 8
    assert batch.locations[0].operator.name == 'GLS Mobility GmbH'
    assert batch.locations[0].charging_pool[0].evses[0].tariff_associations


def test_broken_sites_are_skipped_with_reasons():
    document = _enbw()
    sites = _sites(document)
    del sites[0]['locationReference']['locAreaLocation']
    for station in sites[0]['energyInfrastructureStation']:
        del station['locationReference']['locPointLocation']['coordinatesForDisplay']
    del sites[1]['locationReference']['locPointLocation']['locLocationExtensionG']
    for station in sites[1]['energyInfrastructureStation']:
        del station['locationReference']['locPointLocation']['locLocationExtensionG']
    sites[2]['locationReference']['locAreaLocation']['coordinatesForDisplay']['latitude'] = 123.0
    sites[3]['energyInfrastructureStation'][0]['idG'] = 'x' * 40
    sites[4]['energyInfrastructureStation'][0]['refillPoint'][0]['aegiElectricChargingPoint']['connector'][0][
        'connectorType'
    ]['value'] = 'brandNewPlug'
    sites[5]['energyInfrastructureStation'][0]['refillPoint'][0]['aegiElectricChargingPoint']['electricEnergy'][0][
        'energyRate'
    ][0]['energyPrice'][0]['priceType']['value'] = 'extendedG'
    batch = _parse(document)
    reasons = {s.reference: s.reason for s in batch.skipped}
    assert reasons['site 800030182'] == 'no coordinates'
    assert reasons['site 800007007'] == 'no address'
    assert reasons['site 800001512'].startswith('invalid site')
    assert reasons[f'station {"x" * 40}'].startswith('station id')
    assert any(ref.endswith('/price 0') for ref in reasons)
    uids = {loc.uid for loc in batch.locations}
    assert uids == {site['idG'] for site in sites} - {'800030182', '800007007', '800001512'}
    site4 = _by_uid(batch.locations)[sites[4]['idG']]
    assert site4.charging_pool[0].evses[0].connectors[0].standard is None  # unknown plug: kept, no standard


def test_several_and_empty_tables():
    document = _enbw()
    publication = document['payload']['aegiEnergyInfrastructureTablePublication']
    second = copy.deepcopy(publication['energyInfrastructureTable'][0])
    for site in second['energyInfrastructureSite']:
        site['idG'] = 'T2-' + site['idG']
    publication['energyInfrastructureTable'] += [second, {'idG': 'empty', 'versionG': '1'}]
    batch = _parse(document)
    assert len(batch.locations) == 20
    assert [(s.reference, s.reason) for s in batch.skipped] == [('table empty', 'table has no sites')]


@pytest.mark.parametrize(
    'body',
    [
        b'',
        b'not json',
        b'[]',
        b'{}',
        b'{"payload": {"somethingElse": {}}}',
        b'{"payload": {"aegiEnergyInfrastructureTablePublication": {"energyInfrastructureTable": []}}}',
        b'<xml/>',
        b'\x1f\x8b broken gzip',
    ],
)
def test_not_datex_is_a_payload_error(body):
    with pytest.raises(PayloadError):
        _parse(load_json(body))


def test_unknown_version_is_a_payload_error():
    with pytest.raises(PayloadError):
        _parse(_enbw(), version='2.3')
