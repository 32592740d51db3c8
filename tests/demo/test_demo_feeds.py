"""The demo's local sample feeds make its realtime sensors honest: every realtime source, configured as
`ocpdb demo` configures it, is imported from the feeds and its sensor tick (on a real instance) pulls
live statuses from them: a runless materialization, a green pull check, a fresh source. The feeds stop
with the demo."""

from __future__ import annotations

import os

import dagster as dg
import httpx
import pytest

from ocpdb_pipelines.cli.demo import sources_pointed_at
from ocpdb_pipelines.cli.demo_feeds import serve_sample_feeds
from ocpdb_pipelines.config import current_settings
from ocpdb_pipelines.defs.resources import make_resources
from ocpdb_pipelines.defs.sources.assets import build_realtime_asset, build_static_asset
from ocpdb_pipelines.defs.sources.automation import build_sensor, realtime_interval
from ocpdb_pipelines.defs.sources.keys import realtime_key
from ocpdb_pipelines.defs.sources.realtime_pull import PULL_CHECK
from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.sources.options import source_options
from ocpdb_pipelines.sources.registry import REGISTRY

REALTIME = sorted(uid for uid, spec in REGISTRY.items() if spec.has_realtime)


def test_every_realtime_sensor_tick_pulls_fresh_statuses_from_the_feeds(demo_env, settings, db, monkeypatch):
    monkeypatch.setenv('OCPDB_HTTP__RETRIES', '0')
    with serve_sample_feeds() as feeds, sources_pointed_at(feeds), dg.instance_for_test() as instance:
        settings = current_settings()
        assert set(settings.sources) == set(REALTIME)  # every realtime source pulls from the feeds
        resources = make_resources(settings.database.url.get_secret_value(), settings.redis.url.get_secret_value())
        failed = {}
        for uid in REALTIME:
            spec = REGISTRY[uid]
            options = source_options(settings, uid)
            assert (options.realtime_url or options.url).startswith(feeds.url)
            assert run_static(settings, uid).outcome == 'applied', uid  # a fetch, from the feeds
            interval = realtime_interval(settings, spec)
            sensor = build_sensor(settings, spec, build_static_asset(spec), build_realtime_asset(spec, interval))
            with dg.build_sensor_context(instance=instance, resources=resources) as context:
                result = sensor.evaluate_tick(context)
            materialized = [e for e in result.asset_events if isinstance(e, dg.AssetMaterialization)]
            checks = {e.check_name: e for e in result.asset_events if isinstance(e, dg.AssetCheckEvaluation)}
            if not materialized or not checks.get(PULL_CHECK) or not checks[PULL_CHECK].passed:
                failed[uid] = result.skip_reason
                continue
            assert materialized[0].asset_key == realtime_key(spec)
            assert checks['realtime_fresh'].passed, uid
        assert failed == {}
        # the pulls really went to the feeds, one realtime request per source at least
        assert {key.split('/')[0] for key, count in feeds.requests.items() if count} == set(REALTIME)
        url = feeds.url
    assert 'OCPDB_SOURCES' not in os.environ  # the environment is as before the demo
    with pytest.raises(httpx.ConnectError):  # stopped with the demo
        httpx.get(f'{url}/opendata_swiss/realtime', timeout=5)
