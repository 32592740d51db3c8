"""The quarantine is visible in Dagster: `landing/quarantine` reports rejected pushes and bounds them."""

from __future__ import annotations

import os

import dagster as dg

from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.defs.sources.quarantine import CHECK, QUARANTINE_KEY, landing_quarantine
from ocpdb_pipelines.landing import LandingArea
from ocpdb_pipelines.push.kinds import REALTIME
from ocpdb_pipelines.push.quarantine import QuarantinePolicy, reject


def _run(settings, monkeypatch) -> dg.ExecuteInProcessResult:
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    monkeypatch.setenv('DATABASE_URL', settings.database.url.get_secret_value())
    monkeypatch.setenv('OCPDB_LANDING__DIR', settings.landing.dir)
    monkeypatch.setenv('OCPDB_LANDING__REJECTED_MAX_BYTES', '3000000')
    return dg.materialize([landing_quarantine], resources={'ocpdb': OcpdbConfig()})


def _check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == CHECK
    return evaluation


def test_the_asset_is_registered(settings):
    assert QUARANTINE_KEY in build_definitions(settings).resolve_asset_graph().get_all_asset_keys()


def test_quarantined_pushes_warn_and_are_bounded(settings, monkeypatch):
    landing = LandingArea(settings.path(settings.landing.dir))
    result = _run(settings, monkeypatch)
    assert result.success
    assert _check(result).passed
    policy = QuarantinePolicy(max_bytes=10**9)  # reject() under a generous bound; the asset applies 3 MB
    for n in range(4):
        landing.write('datex2_enbw', REALTIME, b'x' * 1_000_000, {'n': n})
        (landed,) = landing.pending('datex2_enbw', REALTIME)
        reject(landing, 'datex2_enbw', landed, REALTIME, f'not DATEX II ({n})', policy)
    result = _run(settings, monkeypatch)
    evaluation = _check(result)
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    (materialization,) = result.asset_materializations_for_node('landing__quarantine')
    metadata = materialization.metadata
    assert metadata['quarantined'].value == 2  # 4 MB rejected, bounded to 3 MB: the oldest two dropped
    assert metadata['pruned'].value == 2
    assert metadata['per_source'].value['datex2_enbw']['latest_reason'] == 'not DATEX II (3)'
