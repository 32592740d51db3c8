"""The one fetcher against real local HTTP servers: snapshots, fetch state, unchanged payloads, replay.

Multi-page sources come from recorded payloads: the Stadtnavi OCPI recording split into Link-header
pages (eaaze_pbw's protocol) and the giro-e locations page followed by a last page.
"""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest

from ocpdb_pipelines.http.archive import RawArchive, Retention, read_snapshot
from ocpdb_pipelines.http.errors import FetchBudgetExceeded
from ocpdb_pipelines.imports import OlderSnapshotError, run_realtime, run_static
from ocpdb_pipelines.sources.base import Page
from ocpdb_pipelines.sources.families import get_family
from ocpdb_pipelines.sources.registry import get_spec
from tests.fixtures_dir import fixture_bytes
from tests.sources.live_sources_helpers import with_source
from tests.sources.upstream import Upstream, upstream

TOKEN = 'secret-ocpi-token-123'
PAGE_SIZE = 10


def _stadtnavi_pages(server: Upstream, path: str = '/ocpi/locations') -> int:
    """Serve the Stadtnavi recording as OCPI pages linked by `Link: rel="next"`; returns the page count."""
    document = orjson.loads(fixture_bytes('stadtnavi', 'ocpi_locations.json'))
    data = document['data']
    chunks = [data[i : i + PAGE_SIZE] for i in range(0, len(data), PAGE_SIZE)]

    def answer(request: dict) -> tuple[int, dict[str, str], bytes]:
        offset = int(request['query'].get('offset', ['0'])[0])
        number = offset // PAGE_SIZE
        body = orjson.dumps({**document, 'data': chunks[number]})
        headers = {'Content-Type': 'application/json', 'Set-Cookie': f'session={TOKEN}'}
        if number + 1 < len(chunks):
            headers['Link'] = f'<{server.url}{path}?offset={(number + 1) * PAGE_SIZE}&limit={PAGE_SIZE}>; rel="next"'
        return 200, headers, body

    server.routes[path] = answer
    return len(chunks)


@pytest.fixture
def ocpi(settings):
    with upstream() as server:
        pages = _stadtnavi_pages(server)
        yield server, with_source(settings, 'eaaze_pbw', url=f'{server.url}/ocpi/locations', token=TOKEN), pages


def _snapshot_dirs(settings, uid: str, kind: str = 'static') -> list[Path]:
    root = settings.path(settings.archive.dir) / uid / kind
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def test_a_multi_page_fetch_is_one_snapshot_with_a_manifest(ocpi):
    _server, settings, pages = ocpi
    report = run_static(settings, 'eaaze_pbw')
    assert report.outcome == 'applied'
    assert report.pages == pages == 3
    [directory] = _snapshot_dirs(settings, 'eaaze_pbw')
    assert directory.name == report.snapshot_id
    manifest = orjson.loads((directory / 'manifest.json').read_bytes())
    assert manifest['kind'] == 'static'
    assert manifest['complete'] is True
    assert manifest['outcome'] == 'applied'
    assert manifest['content_hash'] == report.content_hash
    assert manifest['parser_version'] == get_family(get_spec('eaaze_pbw')).parser_version
    assert [p['file'] for p in manifest['pages']] == ['0001.body', '0002.body', '0003.body']
    assert manifest['pages'][1]['url'].endswith('offset=10&limit=10')
    assert all(p['status_code'] == 200 and p['sha256'] for p in manifest['pages'])
    # no secrets: the token travelled in a request header, a cookie came back; neither is archived
    for path in directory.rglob('*'):
        assert TOKEN.encode() not in path.read_bytes(), path


def test_a_snapshot_replays_as_a_whole_never_one_page(ocpi, db):
    server, settings, _ = ocpi
    first = run_static(settings, 'eaaze_pbw')
    [directory] = _snapshot_dirs(settings, 'eaaze_pbw')
    db.execute("DELETE FROM location WHERE source = 'eaaze_pbw'")
    requests_before = len(server.requests)
    # a path to one page of a snapshot replays the whole snapshot
    replayed = run_static(settings, 'eaaze_pbw', replay_path=directory / '0002.body', force=True)
    assert len(server.requests) == requests_before  # replayed, not fetched
    assert replayed.pages == 3
    assert replayed.snapshot_id == first.snapshot_id
    assert db.execute("SELECT count(*) AS n FROM location WHERE source = 'eaaze_pbw'").fetchone()['n'] == 30


def test_giroe_pages_are_one_snapshot(settings, db):
    first = orjson.loads(fixture_bytes('giroe', 'charge_locations_page.json'))
    last = copy.deepcopy(first)
    last['items'] = last['items'][:5]
    for item in last['items']:
        item['id'] = int(item['id']) + 100_000
    last['next_path'] = None
    with upstream() as server:
        # next_path asks the same path from `start` on
        server.routes['/api/server/v1/charge-locations'] = lambda request: (
            200,
            {},
            orjson.dumps(last if 'start' in request['query'] else first),
        )
        settings = with_source(settings, 'giroe', url=server.url, user='u', password='giroe-password')
        report = run_static(settings, 'giroe')
    assert report.pages == 2
    [directory] = _snapshot_dirs(settings, 'giroe')
    assert len(read_snapshot(directory).pages) == 2
    for path in directory.rglob('*'):
        assert b'giroe-password' not in path.read_bytes()


def test_an_unchanged_static_payload_is_skipped_and_force_applies_it(settings, db):
    """Issue 13: content_hash was stored but never compared; an unchanged register was re-imported in full."""
    body = fixture_bytes('opendata_swiss', 'static.json')
    with upstream() as server:
        server.route('/static.json', (200, {'Content-Type': 'application/json'}, body))
        settings = with_source(settings, 'opendata_swiss', url=f'{server.url}/static.json')
        assert run_static(settings, 'opendata_swiss').outcome == 'applied'
        db.execute("UPDATE location SET name = 'edited meanwhile' WHERE source = 'opendata_swiss'")
        again = run_static(settings, 'opendata_swiss')
        assert again.outcome == 'unchanged'
        assert 'identical' in again.message
        assert again.metadata()['outcome'] == 'unchanged'
        # nothing was applied: the edit is still there
        names = db.execute("SELECT DISTINCT name FROM location WHERE source = 'opendata_swiss'").fetchall()
        assert names == [{'name': 'edited meanwhile'}]
        forced = run_static(settings, 'opendata_swiss', force=True)
        assert forced.outcome == 'applied'
        assert forced.counts['locations_updated'] > 0
    outcomes = [
        orjson.loads((d / 'manifest.json').read_bytes())['outcome'] for d in _snapshot_dirs(settings, 'opendata_swiss')
    ]
    assert outcomes == ['applied', 'unchanged', 'applied']


def test_a_new_parser_version_applies_an_unchanged_payload(settings, db, monkeypatch):
    body = fixture_bytes('opendata_swiss', 'static.json')
    with upstream() as server:
        server.route('/static.json', (200, {}, body))
        settings = with_source(settings, 'opendata_swiss', url=f'{server.url}/static.json')
        assert run_static(settings, 'opendata_swiss').outcome == 'applied'
        family = get_family(get_spec('opendata_swiss'))
        import dataclasses

        import ocpdb_pipelines.imports as imports

        bumped = dataclasses.replace(family, parser_version=family.parser_version + '.next')
        monkeypatch.setattr(imports, 'get_family', lambda spec: bumped)
        assert run_static(settings, 'opendata_swiss').outcome == 'applied'


def test_etag_makes_the_next_static_fetch_conditional(settings, db):
    body = fixture_bytes('opendata_swiss', 'static.json')
    with upstream() as server:

        def answer(request: dict) -> tuple[int, dict[str, str], bytes]:
            if request['headers'].get('if-none-match') == '"v1"':
                return 304, {'ETag': '"v1"'}, b''
            return 200, {'ETag': '"v1"'}, body

        server.routes['/static.json'] = answer
        settings = with_source(settings, 'opendata_swiss', url=f'{server.url}/static.json')
        assert run_static(settings, 'opendata_swiss').outcome == 'applied'
        assert run_static(settings, 'opendata_swiss').outcome == 'unchanged'
        assert server.requests[1]['headers']['if-none-match'] == '"v1"'
        # --force fetches the body whatever the validators say
        assert run_static(settings, 'opendata_swiss', force=True).outcome == 'applied'
        assert 'if-none-match' not in server.requests[2]['headers']
    state = db.execute("SELECT etag, content_hash, parser_version, snapshot_id FROM fetch_state WHERE kind = 'static'")
    row = state.fetchone()
    assert row['etag'] == '"v1"'
    assert row['content_hash']
    assert row['parser_version'] == '1'
    assert row['snapshot_id']


def test_an_older_snapshot_is_replayed_only_on_purpose(ocpi, db):
    server, settings, _ = ocpi
    older = run_static(settings, 'eaaze_pbw')
    document = orjson.loads(fixture_bytes('stadtnavi', 'ocpi_locations.json'))
    # upstream changes: one location fewer
    server.routes['/ocpi/locations'] = [(200, {}, orjson.dumps({**document, 'data': document['data'][1:]}))]
    newer = run_static(settings, 'eaaze_pbw')
    assert newer.outcome == 'applied'
    older_dir = settings.path(settings.archive.dir) / 'eaaze_pbw' / 'static' / older.snapshot_id
    with pytest.raises(OlderSnapshotError, match='step the data back in time'):
        run_static(settings, 'eaaze_pbw', replay_path=older_dir)
    assert db.execute("SELECT count(*) AS n FROM location WHERE source = 'eaaze_pbw'").fetchone()['n'] == 29
    assert run_static(settings, 'eaaze_pbw', replay_path=older_dir, allow_older=True).outcome == 'applied'
    assert db.execute("SELECT count(*) AS n FROM location WHERE source = 'eaaze_pbw'").fetchone()['n'] == 30


def test_static_and_realtime_retention_are_separate(tmp_path):
    archive = RawArchive(tmp_path, static=Retention(days=90, keep=2), realtime=Retention(days=14, keep=3))
    static = archive.store('x', 'static', [Page(body=b'static')], parser_version='1', origin='test')
    static.set_outcome('applied')
    for number in range(10):
        archive.store('x', 'realtime', [Page(body=b'rt%d' % number)], parser_version='1', origin='test')
    assert archive.snapshot_ids('x', 'static') == [static.id]  # 10 realtime polls leave it alone
    assert len(archive.snapshot_ids('x', 'realtime')) == 3
    for _ in range(3):
        archive.store('x', 'static', [Page(body=b'newer')], parser_version='1', origin='test')
    ids = archive.snapshot_ids('x', 'static')
    assert static.id in ids  # the newest applied static snapshot always stays
    assert len(ids) == 2


def test_a_hanging_upstream_ends_at_the_budget(settings, db):
    body = fixture_bytes('opendata_swiss', 'static.json')
    with upstream() as server:
        server.route('/static.json', (200, {}, body))
        server.hang('/status.json')
        settings = with_source(
            settings, 'opendata_swiss', url=f'{server.url}/static.json', realtime_url=f'{server.url}/status.json'
        )
        settings = settings.with_values(http={'retries': 3})
        run_static(settings, 'opendata_swiss')
        with pytest.raises(FetchBudgetExceeded, match='budget of 1 s'):
            run_realtime(settings, 'opendata_swiss', budget_seconds=1.0)
    assert not _snapshot_dirs(settings, 'opendata_swiss', 'realtime')  # nothing fetched, nothing archived
