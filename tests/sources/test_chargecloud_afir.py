"""chargecloud AFIR (Ludwigsburg): cursor pages with X-Api-Key, the recorded page, tariffs, end to end."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from ocpdb_pipelines.config import ConfigError
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.model.enums import EvseStatus, TariffAudience, TariffDimensionType
from ocpdb_pipelines.sources.base import Page, PayloadError
from ocpdb_pipelines.sources.chargecloud_afir import family as afir
from tests.fixtures_dir import fixture_bytes
from tests.sources.live_sources_helpers import Recorder, context, json_response, raw_response, with_source

UID = 'chargecloud_ludwigsburg'
URL = 'https://afir.data.chargecloud.app/v1/2e60790a-4a07-446c-b4fc-30ce433a2735/locations'


@pytest.fixture(scope='module')
def page() -> dict:
    return orjson.loads(fixture_bytes('chargecloud', 'ludwigsburg_afir_page.json'))


def _two_pages(page: dict) -> Recorder:
    """The recorded page (with its cursor) and a second, last page of 3 other locations."""
    second_items = []
    for n, item in enumerate(page['items'][:3]):
        clone = orjson.loads(orjson.dumps(item))
        clone['id'] = f'extra-{n}'
        for evse in clone['evses']:
            evse['evse_id'] = evse['evse_id'] + f'X{n}'
        second_items.append(clone)
    return Recorder(json_response(page), json_response({'next': None, 'items': second_items}))


def test_fetch_follows_the_cursor_with_the_api_key(page):
    recorder = _two_pages(page)
    ctx = context(UID, recorder.transport, api_key='secret-key')
    pages = afir.fetch_static(ctx)
    assert len(pages) == 2
    first, second = recorder.requests
    assert str(first.url) == f'{URL}?limit=100'
    assert second.url.params['cursor'] == page['next']
    assert second.url.params['limit'] == '100'
    assert {r.headers['X-Api-Key'] for r in recorder.requests} == {'secret-key'}
    batch = afir.parse_static(ctx, pages)
    assert len(batch.locations) == 103
    assert batch.skipped == []


def test_fetch_needs_the_api_key(page):
    with pytest.raises(ConfigError, match='api_key'):
        afir.fetch_static(context(UID, Recorder(json_response(page)).transport))


def test_page_without_items_is_unreadable():
    recorder = Recorder(json_response({'next': None}))
    with pytest.raises(PayloadError, match='items'):
        afir.fetch_static(context(UID, recorder.transport, api_key='k'))


def test_reading_stops_at_an_empty_page(page):
    recorder = Recorder(json_response({'next': 'abc', 'items': []}))
    pages = afir.fetch_static(context(UID, recorder.transport, api_key='k'))
    assert len(pages) == 1
    assert len(recorder.requests) == 1


def test_location_fields_and_tariffs(page):
    batch = afir.parse_static(context(UID), [Page(body=orjson.dumps(page))])
    location = next(loc for loc in batch.locations if loc.uid == '1588625')
    assert location.name == 'LB Brenzstraße 2'
    assert (location.address, location.postal_code, location.city, location.country) == (
        'Brenzstraße 2',
        '71636',
        'Ludwigsburg',
        'DEU',
    )
    assert (location.lat, location.lon) == (Decimal('48.8923300'), Decimal('9.1832900'))
    assert location.operator.name == 'SWLB Mobilität GmbH'
    assert location.operator.website == 'https://www.swlb-mobilitaet.de'
    assert location.directions[0].text == 'öffentliche Ladestation, durchgehend geöffnet'
    assert location.charging_when_closed is True
    assert location.help_phone == '+4971419104799'
    assert location.energy_mix.is_green_energy is True
    assert location.last_updated.isoformat() == '2026-04-02T14:20:11+00:00'
    evse = location.charging_pool[0].evses[0]
    assert (evse.uid, evse.status) == ('DE*SLB*E001L10000*001', EvseStatus.CHARGING)
    assert evse.last_updated.isoformat() == '2024-10-09T22:07:29+00:00'
    (association,) = evse.tariff_associations
    assert association.uid == '22132ac'
    assert association.audience == TariffAudience.AD_HOC_PAYMENT
    tariff = association.tariff
    assert tariff.currency == 'EUR'
    energy = tariff.elements[0].price_components[0]
    assert (energy.type, energy.price) == (TariffDimensionType.ENERGY, Decimal('0.59'))
    blocking = tariff.elements[2]
    assert blocking.price_components[0].price == Decimal('4.8')
    assert blocking.restrictions.start_time == '08:00'
    assert blocking.restrictions.end_time == '20:00'  # 19:59:59 inclusive
    assert blocking.restrictions.min_duration == 14460
    # empty website becomes None
    assert any(loc.operator.website is None for loc in batch.locations)


def test_broken_tariff_is_skipped_but_the_evse_stays(page):
    payload = orjson.loads(orjson.dumps(page))
    payload['items'][0]['evses'][0]['tariffs'][0]['currency'] = 'EURO'
    batch = afir.parse_static(context(UID), [Page(body=orjson.dumps(payload))])
    location = next(loc for loc in batch.locations if loc.uid == '1588625')
    assert location.charging_pool[0].evses[0].tariff_associations == []
    assert [s.reference for s in batch.skipped] == ['evse DE*SLB*E001L10000*001 tariff 22132ac']


def test_realtime_statuses(page):
    batch = afir.parse_realtime(context(UID), [Page(body=orjson.dumps(page))])
    assert len(batch.updates) == 273
    first = batch.updates[0]
    assert (first.uid, first.status) == ('DE*SLB*E001L10000*001', EvseStatus.CHARGING)


def test_end_to_end_with_tariffs_and_realtime(settings, db, page):
    settings = with_source(settings, UID, api_key='k')
    report = run_static(settings, UID, transport=_two_pages(page).transport)
    assert report.pages == 2
    assert db.execute('SELECT count(*) AS n FROM location WHERE source = %s', (UID,)).fetchone()['n'] == 103
    tariffs = db.execute('SELECT uid, currency FROM tariff WHERE source = %s ORDER BY uid', (UID,)).fetchall()
    assert tariffs == [
        {'uid': uid, 'currency': 'EUR'} for uid in ('22132ac', '22132dc', '22134ac', '22310ac', '31739ac')
    ]
    linked = db.execute(
        """
        SELECT t.uid FROM evse e JOIN evse_tariff_association eta ON eta.evse_id = e.id
        JOIN tariff_association ta ON ta.id = eta.tariff_association_id JOIN tariff t ON t.id = ta.tariff_id
        WHERE e.uid = 'DE*SLB*E001L10000*001'
        """
    ).fetchall()
    assert linked == [{'uid': '22132ac'}]
    changed = orjson.loads(orjson.dumps(page))
    changed['items'][0]['evses'][0]['status'] = 'AVAILABLE'
    changed['next'] = None
    live = run_realtime(settings, UID, transport=Recorder(raw_response(orjson.dumps(changed))).transport)
    assert live.outcome == 'applied'
    status = db.execute("SELECT status::text AS s FROM evse WHERE uid = 'DE*SLB*E001L10000*001'").fetchone()
    assert status == {'s': 'AVAILABLE'}
