"""The API freezes what it loaded at startup out of the cyclic garbage collector (db.lifespan_for): a list page
allocates thousands of dicts, and every full collection would walk the ~130k module objects again (about a
fifth of a page's CPU, bench/RESULTS-api.md); shutting down unfreezes them."""

from __future__ import annotations

import gc

from starlette.testclient import TestClient

from ocpdb_api.app import create_app


def test_startup_objects_are_frozen_while_the_app_runs(api_settings):
    before = gc.get_freeze_count()
    with TestClient(create_app(api_settings)) as client:
        assert client.get('/health').status_code == 200
        assert gc.get_freeze_count() > before + 10_000
    assert gc.get_freeze_count() == before
