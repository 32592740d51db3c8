"""Issue 12 item 8: a static import holds no connection across the fetch and no transaction while it parses.

A static import is held at two points by events (never by sleeping): inside the upstream's answer
(the fetch) and inside the family's parse. At both, no backend of the test database but the
observer's may have a transaction open, and a realtime apply of the same source completes while
the static import is still parsing.
"""

from __future__ import annotations

import dataclasses
import threading

import psycopg
import pytest

import ocpdb_pipelines.imports as imports
from ocpdb_pipelines.sources.base import PayloadError
from ocpdb_pipelines.sources.families import get_family
from ocpdb_pipelines.sources.registry import get_spec
from tests.fixtures_dir import fixture_bytes
from tests.sources.live_sources_helpers import with_source
from tests.sources.upstream import upstream

UID = 'opendata_swiss'
WAIT = 60  # seconds a step may take before the test calls it a deadlock (never a timing assertion)


def _open_transactions(db: psycopg.Connection) -> list[dict]:
    """Backends of this database (other than ours) inside a transaction, with what they run."""
    return db.execute(
        """
        SELECT pid, state, left(query, 120) AS query FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
        """
    ).fetchall()


def test_no_transaction_is_open_during_fetch_and_parse_and_realtime_is_not_blocked(settings, db, monkeypatch):
    static_body = fixture_bytes('opendata_swiss', 'static.json')
    realtime_body = fixture_bytes('opendata_swiss', 'realtime.json')
    in_fetch, leave_fetch = threading.Event(), threading.Event()
    in_parse, leave_parse = threading.Event(), threading.Event()
    holding = {'fetch': False}

    with upstream() as server:

        def static_answer(request: dict) -> tuple[int, dict[str, str], bytes]:
            if holding['fetch']:
                in_fetch.set()
                leave_fetch.wait(WAIT)
            return 200, {}, static_body

        server.routes['/static.json'] = static_answer
        server.route('/status.json', (200, {}, realtime_body))
        settings = with_source(settings, UID, url=f'{server.url}/static.json', realtime_url=f'{server.url}/status.json')
        assert imports.run_static(settings, UID).outcome == 'applied'

        family = get_family(get_spec(UID))

        def slow_parse(ctx, pages):
            in_parse.set()
            leave_parse.wait(WAIT)
            return family.parse_static(ctx, pages)

        monkeypatch.setattr(imports, 'get_family', lambda spec: dataclasses.replace(family, parse_static=slow_parse))
        holding['fetch'] = True
        outcome: dict[str, object] = {}

        def static_import() -> None:
            try:
                outcome['static'] = imports.run_static(settings, UID, force=True).outcome
            except Exception as exc:  # reported by the assertion below
                outcome['static'] = exc

        worker = threading.Thread(target=static_import)
        worker.start()
        try:
            assert in_fetch.wait(WAIT)
            assert _open_transactions(db) == []  # no connection held across the HTTP fetch
            leave_fetch.set()
            assert in_parse.wait(WAIT)
            assert _open_transactions(db) == []  # parsing holds no transaction, hence no locks

            monkeypatch.setattr(imports, 'get_family', lambda spec: family)
            realtime = threading.Thread(target=lambda: outcome.update(realtime=imports.run_realtime(settings, UID)))
            realtime.start()
            realtime.join(WAIT)
            assert not realtime.is_alive(), 'the realtime apply waited for the static parse'
            assert not leave_parse.is_set()  # the static import is still parsing
            assert outcome['realtime'].outcome == 'applied'
        finally:
            leave_fetch.set()
            leave_parse.set()
            worker.join(WAIT)
    assert outcome['static'] == 'applied'


def test_a_failed_parse_leaves_no_transaction_and_marks_failed(settings, db):
    with upstream() as server:
        server.route('/static.json', (200, {}, b'{"EVSEData": "not a list"}'))
        settings = with_source(settings, UID, url=f'{server.url}/static.json')
        with pytest.raises(PayloadError):
            imports.run_static(settings, UID)
    assert _open_transactions(db) == []
    assert db.execute('SELECT static_status::text AS s FROM source WHERE uid = %s', (UID,)).fetchone() == {
        's': 'FAILED'
    }
