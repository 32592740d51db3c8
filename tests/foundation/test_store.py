"""Static snapshot and realtime semantics of the store (predecessor §7.2/§7.3), on real PostGIS."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest

from ocpdb_pipelines.model.updates import (
    BusinessUpdate,
    ChargingStationUpdate,
    ConnectorUpdate,
    EvseRealtimeUpdate,
    EvseUpdate,
    ImageUpdate,
    LocationUpdate,
    TariffAssociationUpdate,
    TariffElement,
    TariffUpdate,
)
from ocpdb_pipelines.sources.registry import get_spec
from ocpdb_pipelines.store.errors import ShrinkGuardError
from ocpdb_pipelines.store.realtime import apply_realtime
from ocpdb_pipelines.store.static import StaticResult, apply_static

SPEC = get_spec('ocpi_stadtnavi')
OTHER = get_spec('chargecloud_stuttgart')
T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
FUTURE = datetime(2031, 1, 1, tzinfo=UTC)


def tariff(uid: str, price: str = '0.39') -> TariffUpdate:
    return TariffUpdate(
        uid=uid,
        currency='EUR',
        elements=[TariffElement(price_components=[{'type': 'ENERGY', 'price': price}])],
    )


def location(uid: str, *, evses: int = 2, status: str | None = 'AVAILABLE', **fields) -> LocationUpdate:
    return LocationUpdate(
        uid=uid,
        lat=Decimal('48.7758'),
        lon=Decimal('9.1829'),
        name=fields.pop('name', f'Location {uid}'),
        address='Königstraße 1',
        city='Stuttgart',
        country='DEU',
        operator=fields.pop('operator', BusinessUpdate(name='Stadtwerke Stuttgart')),
        charging_pool=[
            ChargingStationUpdate(
                uid=f'{uid}-CS',
                evses=[
                    EvseUpdate(
                        uid=f'{uid}-E{i}',
                        evse_id=f'DE*SWS*E{uid}{i}',
                        status=status,
                        last_updated=fields.get('evse_last_updated'),
                        connectors=[ConnectorUpdate(uid='1', standard='IEC_62196_T2', max_electric_power=11000)],
                        tariff_associations=fields.get('tariffs'),
                    )
                    for i in range(evses)
                ],
            )
        ],
        **{k: v for k, v in fields.items() if k not in ('evse_last_updated', 'tariffs')},
    )


def apply(conn: psycopg.Connection, spec, locations, **kwargs) -> StaticResult:
    with conn.transaction():
        return apply_static(conn, spec, locations, **kwargs)


def test_reimport_of_unchanged_snapshot_writes_nothing(db):
    snapshot = [location('A'), location('B', evses=3)]
    first = apply(db, SPEC, snapshot)
    assert (first.locations.inserted, first.evses.inserted, first.connectors.inserted) == (2, 5, 5)
    modified = db.execute('SELECT id, modified, last_updated FROM evse ORDER BY id').fetchall()
    version = db.execute('SELECT version FROM data_version').fetchone()['version']
    second = apply(db, SPEC, snapshot)
    assert not second.changed
    assert db.execute('SELECT id, modified, last_updated FROM evse ORDER BY id').fetchall() == modified
    assert db.execute('SELECT version FROM data_version').fetchone()['version'] == version


def test_changed_field_updates_and_bumps_last_updated(db):
    apply(db, SPEC, [location('A')])
    before = db.execute("SELECT last_updated FROM location WHERE uid = 'A'").fetchone()['last_updated']
    result = apply(db, SPEC, [location('A', name='Renamed')])
    assert result.locations.updated == 1
    row = db.execute("SELECT name, last_updated FROM location WHERE uid = 'A'").fetchone()
    assert row['name'] == 'Renamed'
    assert row['last_updated'] >= before


def test_vanished_children_and_locations_are_deleted(db):
    apply(db, SPEC, [location('A', evses=3), location('B')])
    result = apply(db, SPEC, [location('A', evses=1)])
    assert result.locations.deleted == 1
    assert result.evses.deleted == 2
    assert db.execute('SELECT count(*) AS n FROM evse').fetchone()['n'] == 1
    assert db.execute('SELECT count(*) AS n FROM connector').fetchone()['n'] == 1


def test_other_sources_untouched(db):
    apply(db, SPEC, [location('A')])
    apply(db, OTHER, [location('A'), location('Z')])
    apply(db, SPEC, [])
    assert db.execute('SELECT source, uid FROM location ORDER BY uid').fetchall() == [
        {'source': OTHER.uid, 'uid': 'A'},
        {'source': OTHER.uid, 'uid': 'Z'},
    ]


def test_static_reimport_keeps_live_status(db):
    apply(db, SPEC, [location('A', status=None)])
    assert db.execute('SELECT DISTINCT status FROM evse').fetchone()['status'] == 'UNKNOWN'
    with db.transaction():
        changed = apply_realtime(db, SPEC, [EvseRealtimeUpdate(uid='A-E0', status='CHARGING', last_updated=T0)])
    assert changed.changed == 1
    apply(db, SPEC, [location('A', status=None, name='renamed')])
    row = db.execute("SELECT status, status_last_updated FROM evse WHERE uid = 'A-E0'").fetchone()
    assert row == {'status': 'CHARGING', 'status_last_updated': T0}


def test_status_given_in_static_payload_replaces_it(db):
    apply(db, SPEC, [location('A', status='AVAILABLE')])
    apply(db, SPEC, [location('A', status='OUTOFORDER')])
    rows = db.execute('SELECT status, status_observed_at FROM evse').fetchall()
    assert {r['status'] for r in rows} == {'OUTOFORDER'}
    assert all(r['status_observed_at'] is not None for r in rows)
    history = db.execute('SELECT status FROM evse_status_history ORDER BY id').fetchall()
    assert [h['status'] for h in history] == ['AVAILABLE', 'AVAILABLE', 'OUTOFORDER', 'OUTOFORDER']


def test_last_updated_chains_upwards(db):
    newer = datetime(2030, 1, 1, tzinfo=UTC)  # later than the station's own "now"
    apply(db, SPEC, [location('A', last_updated=T0, evse_last_updated=newer)])
    station = db.execute('SELECT last_updated FROM charging_station').fetchone()['last_updated']
    loc = db.execute('SELECT last_updated FROM location').fetchone()['last_updated']
    assert station == newer
    assert loc == newer


def test_businesses_are_shared_by_name_last_writer_wins(db):
    apply(db, SPEC, [location('A', operator=BusinessUpdate(name='Shared', website='https://a.example'))])
    apply(db, OTHER, [location('B', operator=BusinessUpdate(name='Shared', website='https://b.example'))])
    rows = db.execute('SELECT name, website FROM business').fetchall()
    assert rows == [{'name': 'Shared', 'website': 'https://b.example'}]
    assert db.execute('SELECT count(DISTINCT operator_id) AS n FROM location').fetchone()['n'] == 1


def test_missing_operator_keeps_link(db):
    apply(db, SPEC, [location('A')])
    apply(db, SPEC, [location('A', operator=None, name='x')])
    row = db.execute('SELECT b.name FROM location l JOIN business b ON b.id = l.operator_id').fetchone()
    assert row['name'] == 'Stadtwerke Stuttgart'


def test_tariffs_are_source_scoped_and_cleaned_up(db):
    association = TariffAssociationUpdate(uid='TA-1', tariff=tariff('T-1'), audience='AD_HOC_PAYMENT')
    apply(db, SPEC, [location('A', tariffs=[association])])
    apply(db, OTHER, [location('A', tariffs=[association])])
    assert db.execute('SELECT count(*) AS n FROM tariff').fetchone()['n'] == 2
    links = db.execute('SELECT count(*) AS n FROM evse_tariff_association').fetchone()['n']
    assert links == 4
    result = apply(db, SPEC, [location('A', tariffs=None)])
    assert result.tariffs.deleted == 1
    assert db.execute('SELECT source FROM tariff').fetchall() == [{'source': OTHER.uid}]
    assert db.execute('SELECT count(*) AS n FROM evse_tariff_association').fetchone()['n'] == 2


def _association_row(db) -> dict:
    return db.execute(
        """
        SELECT ta.id, ta.audience::text AS audience, ta.start_date_time, ta.last_updated, ta.modified, t.uid AS tariff
        FROM tariff_association ta JOIN tariff t ON t.id = ta.tariff_id WHERE ta.source = %s AND ta.uid = 'TA-1'
        """,
        (SPEC.uid,),
    ).fetchone()


def test_a_tariff_association_is_upserted_by_uid_with_its_tariff_resolved(db):
    """Written only when it differs: tariff (by uid), audience replaced; a missing start keeps the stored one
    (a new association starts now); a newer `last_updated` alone rewrites it."""
    first = TariffAssociationUpdate(uid='TA-1', tariff=tariff('T-1'), audience='AD_HOC_PAYMENT')
    apply(db, SPEC, [location('A', tariffs=[first])])
    row = _association_row(db)
    assert (row['tariff'], row['audience']) == ('T-1', 'AD_HOC_PAYMENT')
    assert row['start_date_time'] is not None
    assert row['last_updated'] is not None

    apply(db, SPEC, [location('A', tariffs=[first])])
    assert _association_row(db) == row  # nothing differs: not written

    moved = TariffAssociationUpdate(uid='TA-1', tariff=tariff('T-2'), audience='EMSP_CONTRACT')
    apply(db, SPEC, [location('A', tariffs=[moved])])
    again = _association_row(db)
    assert (again['id'], again['tariff'], again['audience']) == (row['id'], 'T-2', 'EMSP_CONTRACT')
    assert again['start_date_time'] == row['start_date_time']  # none given: kept
    assert again['modified'] > row['modified']

    started = TariffAssociationUpdate(
        uid='TA-1', tariff=tariff('T-2'), audience='EMSP_CONTRACT', start_date_time=T0, last_updated=FUTURE
    )
    apply(db, SPEC, [location('A', tariffs=[started])])
    last = _association_row(db)
    assert (last['start_date_time'], last['last_updated']) == (T0, FUTURE)
    newer = started.model_copy(update={'last_updated': datetime(2032, 1, 1, tzinfo=UTC)})
    apply(db, SPEC, [location('A', tariffs=[newer])])
    assert _association_row(db)['last_updated'] == datetime(2032, 1, 1, tzinfo=UTC)
    assert db.execute('SELECT count(*) AS n FROM tariff_association').fetchone()['n'] == 1


def test_tariff_price_is_exact(db):
    association = TariffAssociationUpdate(uid='TA-1', tariff=tariff('T-1', price=0.1 + 0.2))
    apply(db, SPEC, [location('A', tariffs=[association])])
    elements = db.execute('SELECT elements FROM tariff').fetchone()['elements']
    assert elements[0]['price_components'][0]['price'] == '0.30000000'


def test_images_replaced_only_when_given(db):
    images = [ImageUpdate(external_url='https://img.example/1.jpg', category='LOCATION', type='jpg')]
    apply(db, SPEC, [location('A', images=images)])
    apply(db, SPEC, [location('A', images=None, name='changed')])
    assert db.execute('SELECT count(*) AS n FROM location_image').fetchone()['n'] == 1
    apply(db, SPEC, [location('A', images=[])])
    assert db.execute('SELECT count(*) AS n FROM location_image').fetchone()['n'] == 0
    assert db.execute('SELECT count(*) AS n FROM image').fetchone()['n'] == 1


def test_duplicate_uid_in_payload_last_one_wins(db):
    apply(db, SPEC, [location('A', evses=3, name='first'), location('A', evses=1, name='second')])
    assert db.execute('SELECT name FROM location').fetchall() == [{'name': 'second'}]
    assert db.execute('SELECT count(*) AS n FROM evse').fetchone()['n'] == 1


def test_shrink_guard_refuses_and_changes_nothing(db):
    apply(db, SPEC, [location(str(i)) for i in range(30)])
    with pytest.raises(ShrinkGuardError, match='would delete 28'):
        apply(db, SPEC, [location('1'), location('2')])
    assert db.execute('SELECT count(*) AS n FROM location').fetchone()['n'] == 30
    result = apply(db, SPEC, [location('1'), location('2')], force=True)
    assert result.locations.deleted == 28


def test_realtime_applies_only_changes_and_ignores_unknown(db):
    apply(db, SPEC, [location('A', status='AVAILABLE', last_updated=T0, evse_last_updated=T0)])
    updates = [
        EvseRealtimeUpdate(uid='A-E0', status='AVAILABLE'),
        EvseRealtimeUpdate(uid='A-E1', status='CHARGING', last_updated=FUTURE),
        EvseRealtimeUpdate(uid='NOPE', status='CHARGING'),
    ]
    with db.transaction():
        result = apply_realtime(db, SPEC, updates)
    assert (result.received, result.changed, result.unknown) == (3, 1, 1)
    rows = {r['uid']: r for r in db.execute('SELECT uid, status, status_last_updated, modified FROM evse').fetchall()}
    assert rows['A-E0']['status'] == 'AVAILABLE'
    assert rows['A-E1']['status'] == 'CHARGING'
    assert rows['A-E1']['status_last_updated'] == FUTURE
    # a newer EVSE timestamp propagates to its station and location
    assert db.execute('SELECT last_updated FROM charging_station').fetchone()['last_updated'] == FUTURE
    assert db.execute('SELECT last_updated FROM location').fetchone()['last_updated'] == FUTURE


def test_realtime_for_other_source_does_not_touch(db):
    apply(db, SPEC, [location('A', status='AVAILABLE')])
    with db.transaction():
        result = apply_realtime(db, OTHER, [EvseRealtimeUpdate(uid='A-E0', status='CHARGING')])
    assert result.changed == 0
    assert db.execute("SELECT status FROM evse WHERE uid = 'A-E0'").fetchone()['status'] == 'AVAILABLE'


def test_geometry_and_mercator_columns(db):
    apply(db, SPEC, [location('A')])
    row = db.execute(
        'SELECT ST_AsText(geometry) AS g, ST_X(geometry_3857) AS x, ST_Y(geometry_3857) AS y FROM location'
    ).fetchone()
    assert row['g'] == 'POINT(9.1829 48.7758)'
    expected = db.execute(
        'SELECT ST_X(p) AS x, ST_Y(p) AS y FROM ST_Transform(ST_SetSRID(ST_MakePoint(9.1829, 48.7758), 4326), 3857) p'
    ).fetchone()
    assert row['x'] == pytest.approx(expected['x'], abs=0.01)
    assert row['y'] == pytest.approx(expected['y'], abs=0.01)


def test_partial_apply_upserts_without_deleting_others(db):
    association = TariffAssociationUpdate(uid='TA-1', tariff=tariff('T-1'))
    apply(db, SPEC, [location(str(i), tariffs=[association]) for i in range(30)])
    result = apply(db, SPEC, [location('new')], snapshot=False)
    assert (result.locations.inserted, result.locations.deleted, result.tariffs.deleted) == (1, 0, 0)
    assert db.execute('SELECT count(*) AS n FROM location').fetchone()['n'] == 31
    from ocpdb_pipelines.store.static import delete_locations

    with db.transaction():
        assert delete_locations(db, SPEC, ['new', 'unknown']) == 1
    assert db.execute('SELECT count(*) AS n FROM location').fetchone()['n'] == 30
