"""Dumps: the GeoParquet file read back with pyarrow equals the database row for row; CSV and GeoJSON lines
carry the same data; generations are atomic and pruned."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, datetime

import orjson
import psycopg
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import shapely

from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.products.dumps.index import generation_dirs, latest
from ocpdb_pipelines.products.dumps.write import CSV, GEOJSONL, PARQUET, write_generation
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes

# an independent statement of what a dump must hold: one row per EVSE, a location without EVSEs once
EXPECTED_SQL = """
SELECT l.id AS location_id, l.source, l.uid AS location_uid, l.name, l.address, l.postal_code, l.city, l.state,
       l.country, l.lat, l.lon, b.name AS operator, l.official_region_code, l.parking_type::text AS parking_type,
       l.time_zone, l.last_updated AS location_last_updated, l.dynamic_location_id, cs.uid AS station_uid,
       e.id AS evse_row, e.uid AS evse_uid, e.evse_id, e.status::text AS status, e.presence::text AS presence,
       e.status_last_updated, e.last_updated AS evse_last_updated
FROM location l LEFT JOIN business b ON b.id = l.operator_id
LEFT JOIN charging_station cs ON cs.location_id = l.id LEFT JOIN evse e ON e.charging_station_id = cs.id
ORDER BY l.id, cs.id, e.id
"""
CONNECTORS_SQL = """
SELECT evse_id, uid, standard::text AS standard, format::text AS format, power_type::text AS power_type,
       max_voltage, max_amperage, max_electric_power
FROM connector ORDER BY evse_id, uid
"""


@pytest.fixture
def loaded(settings, db):
    run_static(settings, 'opendata_swiss', replay_pages=[Page(fixture_bytes('opendata_swiss', 'static.json'))])
    run_realtime(settings, 'opendata_swiss', replay_pages=[Page(fixture_bytes('opendata_swiss', 'realtime.json'))])
    run_static(settings, 'bnetza_api', replay_pages=[Page(fixture_bytes('bnetza', 'bnetza_api_chargepoints.json'))])
    # a location without any EVSE must still appear once
    db.execute(
        "DELETE FROM charging_station WHERE location_id = (SELECT min(id) FROM location WHERE source = 'bnetza_api')"
    )
    return settings


def _dump(settings, tmp_path, **kwargs):
    return write_generation(settings.database.url.get_secret_value(), tmp_path / 'dumps', **kwargs)


def test_geoparquet_equals_database_row_for_row(loaded, db, tmp_path):
    report = _dump(loaded, tmp_path)
    expected = db.execute(EXPECTED_SQL).fetchall()
    connectors: dict[int, list[dict]] = {}
    for c in db.execute(CONNECTORS_SQL):
        connectors.setdefault(c.pop('evse_id'), []).append(c)
    table = pq.read_table(report.path / PARQUET)
    got = table.to_pylist()
    assert len(got) == len(expected) == 550 + 1822 - 2 + 1  # bnetza's first location lost its 2 EVSEs, kept once
    for row, want in zip(got, expected, strict=True):
        evse_row = want.pop('evse_row')
        want['lat'], want['lon'] = float(want['lat']), float(want['lon'])
        point = shapely.from_wkb(row.pop('geometry'))
        assert (point.x, point.y) == (want['lon'], want['lat'])
        assert row.pop('connectors') == connectors.get(evse_row, [])
        assert row == want  # every other column, value for value (timestamps as UTC instants)
    assert {r['status'] for r in got} >= {'AVAILABLE', 'CHARGING', 'STATIC', None}
    assert connectors  # the fixtures' EVSEs have connectors to compare
    assert report.evses == len(expected) - 1
    assert report.locations == db.execute('SELECT count(*) AS n FROM location').fetchone()['n']


def test_geoparquet_geo_metadata(loaded, db, tmp_path):
    report = _dump(loaded, tmp_path)
    metadata = pq.read_schema(report.path / PARQUET).metadata
    geo = json.loads(metadata[b'geo'])
    assert geo['version'] == '1.1.0'
    assert geo['primary_column'] == 'geometry'
    column = geo['columns']['geometry']
    assert (column['encoding'], column['geometry_types']) == ('WKB', ['Point'])
    assert 'crs' not in column  # OGC:CRS84 by the spec's default
    box = db.execute('SELECT min(lon) AS a, min(lat) AS b, max(lon) AS c, max(lat) AS d FROM location').fetchone()
    assert column['bbox'] == [float(box['a']), float(box['b']), float(box['c']), float(box['d'])]
    sources = {s['uid']: s for s in json.loads(metadata[b'ocpdb:sources'])}
    assert sources['bnetza_api']['attribution_license'] == 'CC BY 4.0'


def test_csv_and_geojsonl_carry_the_same_data(loaded, db, tmp_path):
    report = _dump(loaded, tmp_path)
    parquet = pq.read_table(report.path / PARQUET)
    csv = pacsv.read_csv(report.path / CSV, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    assert csv.num_rows == parquet.num_rows
    assert csv.column('evse_uid').to_pylist() == parquet.column('evse_uid').to_pylist()
    assert csv.column('lat').to_pylist() == parquet.column('lat').to_pylist()
    connectors = [orjson.loads(v) for v in csv.column('connectors').to_pylist()]
    assert connectors == parquet.column('connectors').to_pylist()
    with gzip.open(report.path / GEOJSONL, 'rb') as handle:
        features = [orjson.loads(line) for line in handle]
    locations = db.execute('SELECT id, lat, lon FROM location ORDER BY id').fetchall()
    assert [f['id'] for f in features] == [r['id'] for r in locations]
    assert [f['geometry']['coordinates'] for f in features] == [[float(r['lon']), float(r['lat'])] for r in locations]
    assert sum(len(f['properties']['evses']) for f in features) == report.evses
    evse = next(e for f in features for e in f['properties']['evses'] if e['connectors'])
    assert set(evse['connectors'][0]) >= {'standard', 'max_electric_power'}


def test_manifest_licences_and_checksums(loaded, db, tmp_path):
    report = _dump(loaded, tmp_path)
    licences: dict[str, list[str]] = {}
    for row in db.execute(
        'SELECT uid, attribution_license FROM source WHERE uid IN (SELECT source FROM location) ORDER BY uid'
    ).fetchall():
        licences.setdefault(row['attribution_license'] or 'unknown', []).append(row['uid'])
    assert 'CC BY 4.0' in licences
    _, manifest = latest(tmp_path / 'dumps')
    assert manifest['generation'] == report.generation
    names = {f['name'] for f in manifest['files']}
    assert names == {PARQUET, CSV, GEOJSONL, 'sources.json'}
    for entry in manifest['files']:
        body = (report.path / entry['name']).read_bytes()
        assert entry['size'] == len(body)
        assert entry['sha256'] == hashlib.sha256(body).hexdigest()
        assert {lic['licence']: lic['sources'] for lic in entry['licences']} == licences
        assert entry['attribution'].startswith('OCPDB; data: ')
        assert 'CC BY 4.0' in entry['attribution']


def test_generations_are_pruned_and_a_failed_write_leaves_nothing(loaded, tmp_path):
    root = tmp_path / 'dumps'
    for hour in range(4):
        _dump(loaded, tmp_path, keep=2, now=datetime(2026, 1, 1, hour, tzinfo=UTC))
    assert [p.name for p in generation_dirs(root)] == ['20260101T020000Z', '20260101T030000Z']
    broken = psycopg.conninfo.make_conninfo(loaded.database.url.get_secret_value(), dbname='ocpdb_no_such_database')
    with pytest.raises(psycopg.OperationalError):
        write_generation(broken, root, keep=2, now=datetime(2026, 1, 1, 5, tzinfo=UTC))
    assert sorted(p.name for p in root.iterdir()) == ['20260101T020000Z', '20260101T030000Z']


def test_geojsonl_features_equal_the_parquet_rows(loaded, tmp_path):
    """Every GeoJSON feature is its location's Parquet rows: location fields once, one EVSE per row (timestamps
    as ISO 8601 text, connectors nested), a location without EVSEs with an empty list."""
    report = _dump(loaded, tmp_path)
    rows = pq.read_table(report.path / PARQUET).drop_columns(['geometry']).to_pylist()
    with gzip.open(report.path / GEOJSONL, 'rb') as handle:
        features = [orjson.loads(line) for line in handle]
    expected: dict[int, dict] = {}
    for row in rows:
        text = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
        location = {k: text[k] for k in list(text)[: list(text).index('station_uid')] if k not in ('lat', 'lon')}
        feature = expected.setdefault(row['location_id'], {'lonlat': [row['lon'], row['lat']], 'properties': location})
        feature['properties'].setdefault('evses', [])
        if row['evse_uid'] is not None:
            feature['properties']['evses'].append({k: text[k] for k in list(text)[list(text).index('station_uid') :]})
    assert len(features) == len(expected) > 0
    assert any(not f['properties']['evses'] for f in features)
    for feature in features:
        want = expected[feature['id']]
        assert feature['type'] == 'Feature'
        assert feature['geometry'] == {'type': 'Point', 'coordinates': want['lonlat']}
        assert feature['properties'] == want['properties']
