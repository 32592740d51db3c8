"""Mobilithek push against a real local HTTPS server with mutual TLS; the Redis diff watermark."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import redis

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.exports.datex2 import WATERMARK_KEY, push_realtime_diff, push_realtime_full, push_static
from ocpdb_pipelines.exports.datex2.push import PushError
from tests.downstream.datex_data import full_site, static_only_site
from tests.downstream.datex_schemas import json_errors
from tests.downstream.mtls_server import Receiver, mtls_receiver

STATIC_ID = '980054862909370368'
REALTIME_ID = '980084361378099200'


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with mtls_receiver(tmp_path) as server:
        yield server


def _settings(settings: Settings, receiver: Receiver, version: str = '3.5', **extra) -> Settings:
    return settings.with_values(
        mobilithek={
            'url': receiver.url,
            'ca_file': str(receiver.ca_file),
            'key_dir': str(receiver.key_dir),
            'certificate_filename': receiver.cert_name,
            'key_filename': receiver.key_name,
            'static_publication_id': STATIC_ID,
            'realtime_publication_id': REALTIME_ID,
            'version': version,
            'name': 'OCPDB Test',
        },
        http={'retries': 2},
        **extra,
    )


def _watermark(redis_url: str) -> datetime | None:
    client = redis.Redis.from_url(redis_url)
    try:
        raw = client.get(WATERMARK_KEY)
    finally:
        client.close()
    return datetime.fromisoformat(raw.decode()) if raw else None


def _observe(db_url: str, evse_uid: str, status: str) -> None:
    """What a realtime import does: change the status, record when OCPDB saw it, append it to the history."""
    with connect(db_url, autocommit=True) as db, db.transaction():
        db.execute('UPDATE evse SET status = %s, status_observed_at = now() WHERE uid = %s', (status, evse_uid))
        db.execute(
            'INSERT INTO evse_status_history (evse_id, status, source_timestamp, observed_at) '
            'SELECT id, status, status_last_updated, now() FROM evse WHERE uid = %s',
            (evse_uid,),
        )


@pytest.mark.parametrize('version', ['3.5', '3.7'])
def test_static_push_sends_a_valid_snapshot_with_the_client_certificate(settings, receiver, version) -> None:
    with connect(settings.database.url.get_secret_value(), autocommit=True) as db:
        full_site(db)
        static_only_site(db)
    report = push_static(_settings(settings, receiver, version))
    assert report.sent
    assert report.sites == 1
    [request] = receiver.requests
    assert request.path == f'/mobilithek/api/v1.0/publication/{STATIC_ID}'
    assert request.headers['Content-Type'] == 'application/json'
    assert request.client_subject  # the server required and verified our certificate
    body = orjson.loads(request.body)
    assert body['exchangeInformation']['exchangeContext'] == {
        'codedExchangeProtocol': {'value': 'snapshotPush'},
        'exchangeSpecificationVersion': version,
        'supplierOrCisRequester': {'name': 'OCPDB Test'},
    }
    assert body['exchangeInformation']['dynamicInformation']['exchangeStatus'] == {'value': 'online'}
    assert isinstance(body['payload'], dict)
    assert json_errors(body, version, 'static') == []
    # the body stays on disk for inspection
    assert (Path(settings.exports.dir) / 'mobilithek' / 'static.json').read_bytes() == request.body


def test_push_without_a_client_certificate_is_refused(settings, receiver) -> None:
    with connect(settings.database.url.get_secret_value(), autocommit=True) as db:
        full_site(db)
    context = ssl.create_default_context(cafile=str(receiver.ca_file))
    with httpx.Client(verify=context) as client, pytest.raises(httpx.HTTPError):
        client.post(f'{receiver.url}/publication/{STATIC_ID}', content=b'{}')
    assert receiver.requests == []


def test_full_realtime_push_sets_the_watermark(settings, receiver, redis_url) -> None:
    with connect(settings.database.url.get_secret_value(), autocommit=True) as db:
        full_site(db)
        static_only_site(db)
    before = datetime.now(UTC)
    report = push_realtime_full(_settings(settings, receiver))
    assert report.sent
    assert report.protocol == 'snapshotPush'
    [request] = receiver.requests
    assert request.path.endswith(REALTIME_ID)
    body = orjson.loads(request.body)
    assert json_errors(body, '3.5', 'realtime') == []
    sites = body['payload']['aegiEnergyInfrastructureStatusPublication']['energyInfrastructureSiteStatus']
    assert [s['reference']['idG'] for s in sites] == ['L1']
    watermark = _watermark(redis_url)
    assert watermark is not None
    assert watermark.tzinfo is not None
    assert before - timedelta(seconds=5) <= watermark <= datetime.now(UTC)


def test_diff_without_watermark_is_a_snapshot(settings, receiver, redis_url) -> None:
    with connect(settings.database.url.get_secret_value(), autocommit=True) as db:
        full_site(db)
    report = push_realtime_diff(_settings(settings, receiver))
    assert report.protocol == 'snapshotPush'
    assert report.sent
    assert orjson.loads(receiver.requests[0].body)['exchangeInformation']['exchangeContext'][
        'codedExchangeProtocol'
    ] == {'value': 'snapshotPush'}
    assert _watermark(redis_url) is not None


def test_diff_sends_changed_locations_and_keys_on_observation_time(settings, receiver, redis_url) -> None:
    with connect(settings.database.url.get_secret_value(), autocommit=True) as db:
        full_site(db, 'L1')
        full_site(db, 'L2')
    config = _settings(settings, receiver)
    push_realtime_full(config)
    first = _watermark(redis_url)

    # nothing changed: nothing sent, watermark still advanced
    empty = push_realtime_diff(config)
    assert not empty.sent
    assert empty.changed_evses == 0
    assert len(receiver.requests) == 1
    assert _watermark(redis_url) >= first

    # a change whose *source* timestamp is old (before the watermark) is still diffed
    with connect(settings.database.url.get_secret_value(), autocommit=True) as db:
        db.execute("UPDATE evse SET status_last_updated = '2020-01-01T00:00:00Z' WHERE uid = 'L2-E1'")
    _observe(settings.database.url.get_secret_value(), 'L2-E1', 'OUTOFORDER')
    report = push_realtime_diff(config)
    assert report.sent
    assert report.protocol == 'deltaPush'
    assert report.changed_evses == 1
    body = orjson.loads(receiver.requests[-1].body)
    assert json_errors(body, '3.5', 'realtime') == []
    assert body['exchangeInformation']['exchangeContext']['codedExchangeProtocol'] == {'value': 'deltaPush'}
    [site] = body['payload']['aegiEnergyInfrastructureStatusPublication']['energyInfrastructureSiteStatus']
    assert site['reference']['idG'] == 'L2'
    [point] = site['energyInfrastructureStationStatus'][0]['refillPointStatus']
    assert point['aegiRefillPointStatus']['status'] == {'value': 'outOfOrder'}
    assert point['aegiRefillPointStatus']['lastUpdated'] == '2020-01-01T00:00:00+00:00'


def test_failed_push_keeps_the_watermark_and_loses_nothing(settings, receiver, redis_url) -> None:
    with connect(settings.database.url.get_secret_value(), autocommit=True) as db:
        full_site(db, 'L1')
    config = _settings(settings, receiver)
    push_realtime_full(config)
    mark = _watermark(redis_url)
    _observe(settings.database.url.get_secret_value(), 'L1-E1', 'AVAILABLE')

    receiver.statuses = [400]  # refused: no retry, exception, watermark unchanged
    with pytest.raises(PushError):
        push_realtime_diff(config)
    assert _watermark(redis_url) == mark

    receiver.statuses = [503, 503]  # retried (twice) then accepted: the change arrives
    report = push_realtime_diff(config)
    assert report.sent
    # 400, then 503, 503, 200: the same bytes every time
    assert len(receiver.requests) == 1 + 1 + 3
    assert receiver.requests[-1].body == receiver.requests[-2].body == receiver.requests[-3].body
    body = orjson.loads(receiver.requests[-1].body)
    [site] = body['payload']['aegiEnergyInfrastructureStatusPublication']['energyInfrastructureSiteStatus']
    assert site['energyInfrastructureStationStatus'][0]['refillPointStatus'][0]['aegiRefillPointStatus']['status'] == {
        'value': 'available'
    }
    assert _watermark(redis_url) > mark


def test_static_push_skips_an_empty_snapshot(settings, receiver) -> None:
    with connect(settings.database.url.get_secret_value(), autocommit=True) as db:
        static_only_site(db)
    report = push_static(_settings(settings, receiver))
    assert not report.sent
    assert report.sites == 0
    assert receiver.requests == []


def test_missing_configuration_names_the_key(settings, receiver) -> None:
    with connect(settings.database.url.get_secret_value(), autocommit=True) as db:
        full_site(db)
    config = _settings(settings, receiver, MOBILITHEK_STATIC_PUBLICATION_ID=None)
    with pytest.raises(ValueError, match=r'mobilithek\.static_publication_id'):
        push_static(config)
