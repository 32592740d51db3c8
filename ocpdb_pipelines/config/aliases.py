"""The one table of flat configuration keys: the predecessor's and this project's first, flat layout.

Operators migrating keep their config.yaml and environment: a flat key (`HTTP_RETRIES: 0` in
config.yaml, `OCPDB_HTTP_RETRIES=0` in the environment) is read as its path in the tree
(`http.retries`, `OCPDB_HTTP__RETRIES`). Each flat key found is logged once per process with the
path to use instead; the new spelling wins when both are given in the environment, and both in one
config.yaml is an error naming the two. A key that means nothing here (the predecessor's Flask,
Celery and SQLAlchemy switches) maps to None: accepted, logged as ignored.

Plain `DATABASE_URL` and `REDIS_URL` in the environment are no aliases but supported names (12-factor
deployments set them); `OCPDB_DATABASE__URL` wins over them.

scripts/codemods/nested_settings.py reads this table to rewrite code (`settings.HTTP_RETRIES` ->
`settings.http.retries`) and leaves this file alone (nested-settings-codemod: skip);
docs/reference/configuration.md lists the table.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ocpdb_pipelines.config.errors import ConfigError

logger = logging.getLogger('ocpdb_pipelines.config')

FLAT_KEYS: dict[str, str | None] = {
    'DATABASE_URL': 'database.url',
    'API_DATABASE_URL': 'database.api_url',
    'INGEST_DATABASE_URL': 'database.ingest_url',
    'WRITER_DATABASE_URL': 'database.writer_url',
    'REDIS_URL': 'redis.url',
    'PROJECT_URL': 'api.project_url',
    'TRUSTED_PROXIES': 'api.trusted_proxies',
    'API_POOL_SIZE': 'api.pool_size',
    'API_POOL_TIMEOUT': 'api.pool_timeout',
    'API_STATEMENT_TIMEOUT': 'api.statement_timeout',
    'EVSE_STATUS_METRICS': 'api.evse_status_metrics',
    'TILE_CACHE_SECONDS': 'tiles.cache_seconds',
    'TILE_MAX_STALE_SECONDS': 'tiles.max_stale_seconds',
    'TILE_EXACT_FROM_ZOOM': 'tiles.exact_from_zoom',
    'SHOW_MAP': 'map.show',
    'MAP_STYLE_URL': 'map.style_url',
    'MAP_STATUS_STALE_SECONDS': 'map.status_stale_seconds',
    'STATIC_PULL_HOUR': 'schedule.static_pull_hour',
    'STATIC_PULL_MINUTE': 'schedule.static_pull_minute',
    'REALTIME_PULL_FREQUENCY': 'schedule.realtime_pull_seconds',
    'DISABLE_AUTOFETCH': 'schedule.disable_autofetch',
    'HTTP_TIMEOUT': 'http.timeout',
    'HTTP_RETRIES': 'http.retries',
    'REALTIME_TICK_BUDGET_SECONDS': 'http.realtime_tick_budget_seconds',
    'RAW_ARCHIVE_DIR': 'archive.dir',
    'RAW_ARCHIVE_RETENTION_DAYS': 'archive.realtime_retention_days',
    'RAW_ARCHIVE_REALTIME_KEEP': 'archive.realtime_keep',
    'RAW_ARCHIVE_STATIC_RETENTION_DAYS': 'archive.static_retention_days',
    'RAW_ARCHIVE_STATIC_KEEP': 'archive.static_keep',
    'SHRINK_GUARD_RATIO': 'imports.shrink_guard_ratio',
    'SHRINK_GUARD_MIN_EXISTING': 'imports.shrink_guard_min_existing',
    'LIVE_VACUUM_SECONDS': 'imports.live_vacuum_seconds',
    'MATCHING_FACTOR_THRESHOLD': 'matching.factor_threshold',
    'LANDING_DIR': 'landing.dir',
    'LANDING_REJECTED_MAX_BYTES': 'landing.rejected_max_bytes',
    'LANDING_REJECTED_RETENTION_DAYS': 'landing.rejected_retention_days',
    'SERVER_AUTH_USERS': 'server.auth_users',
    'SERVER_MAX_BODY_BYTES': 'server.max_body_bytes',
    'DATEX2_ASYNC_STATION_STATUS_THRESHOLD': 'server.datex2_async_station_status_threshold',
    'DATEX2_SYNC_MAX_CONTENT_LENGTH': 'server.datex2_sync_max_content_length',
    'OBJECT_ID_SECRET': 'giroe.object_id_secret',
    'DYNAMIC_IMAGE_DIR': 'images.dir',
    'PUBLIC_IMAGE_PATH': 'images.public_path',
    'IMAGE_PULL_HOUR': 'images.pull_hour',
    'IMAGE_PULL_MINUTE': 'images.pull_minute',
    'IMAGE_IMPORT_REQUEST_DELAY': 'images.request_delay_seconds',
    'EVSE_STATUS_HISTORY_RETENTION_DAYS': 'history.retention_days',
    'EVSE_STATUS_HISTORY_FULL_RESOLUTION_DAYS': 'history.full_resolution_days',
    'EVSE_STATUS_HISTORY_BUCKET_MINUTES': 'history.bucket_minutes',
    'EXPORT_DIR': 'exports.dir',
    'DATEX2_SCHEMA_DIR': 'exports.datex2_schema_dir',
    'MOBILITHEK_ENABLED': 'mobilithek.enabled',
    'MOBILITHEK_VERSION': 'mobilithek.version',
    'MOBILITHEK_NAME': 'mobilithek.name',
    'MOBILITHEK_URL': 'mobilithek.url',
    'MOBILITHEK_STATIC_PUBLICATION_ID': 'mobilithek.static_publication_id',
    'MOBILITHEK_REALTIME_PUBLICATION_ID': 'mobilithek.realtime_publication_id',
    'KEY_DIR': 'mobilithek.key_dir',
    'MOBILITHEK_CERTIFICATE_FILENAME': 'mobilithek.certificate_filename',
    'MOBILITHEK_KEY_FILENAME': 'mobilithek.key_filename',
    'MOBILITHEK_CA_FILE': 'mobilithek.ca_file',
    'MOBILITHEK_STATIC_PUSH_HOUR': 'mobilithek.static_push_hour',
    'MOBILITHEK_STATIC_PUSH_MINUTE': 'mobilithek.static_push_minute',
    'MOBILITHEK_REALTIME_FULL_PUSH_FREQUENCY': 'mobilithek.realtime_full_push_seconds',
    'MOBILITHEK_REALTIME_DIFF_PUSH_FREQUENCY': 'mobilithek.realtime_diff_push_seconds',
    'VG25_GEOPACKAGE_URL': 'vg25.geopackage_url',
    'VG25_GEOPACKAGE_PATH': 'vg25.geopackage_path',
    'VG25_USER_AGENT': 'vg25.user_agent',
    'SOURCES': 'sources',
    'DATA_DIR': 'data_dir',
    'LOGGING': 'logging',
    # the predecessor's names of the same things
    'SQLALCHEMY_DATABASE_URI': 'database.url',
    'VG25_GEOPACKAGE_WGET_USER_AGENT': 'vg25.user_agent',
    # the predecessor's keys without a job here: accepted and ignored (logged)
    'BNETZA_IMPORT_DIR': None,  # uploads land in landing.dir
    'DATEX2_IMPORT_DIR': None,  # pushed DATEX bodies land in landing.dir
    'DEBUG_DUMP_DIR': None,  # the raw archive keeps every exchange
    'AUTO_FETCH_SOURCES': None,
    'SECRET_KEY': None,
    'DEBUG': None,
    'TESTING': None,
    'MODE': None,
    'CELERY_BROKER_URL': None,
    'SQLALCHEMY_ENGINE_OPTIONS': None,
    'SQLALCHEMY_TRACK_MODIFICATIONS': None,
    'SQLALCHEMY_ECHO': None,
    'LOGGING_TEMPLATE': None,
    'LOGGING_PREFIX': None,
    'OPENAPI_TITLE': None,
    'OPENAPI_DESCRIPTION': None,
    'OPENAPI_CONTACT_MAIL': None,
    'OPENAPI_TOS': None,
    'OPENAPI_SERVERS': None,
    'OPENAPI_LOGIN_REQUIRED': None,
    'PROJECT_NAME': None,
    'PROJECT_VERSION': None,
    'MAIL_SERVER': None,
    'MAIL_USE_TLS': None,
    'INSTANCE_FOLDER_PATH': None,
}

# plain environment names read as well (no alias: these stay supported)
PLAIN_ENVIRONMENT: dict[str, str] = {'DATABASE_URL': 'database.url', 'REDIS_URL': 'redis.url'}

ENV_PREFIX = 'OCPDB_'
ENV_DELIMITER = '__'

_reported: set[str] = set()


def _report(name: str, path: str | None) -> None:
    if name in _reported:
        return
    _reported.add(name)
    if path is None:
        logger.warning('configuration key %s has no effect in OCPDB and is ignored', name)
    else:
        logger.warning('configuration key %s is a flat alias: use %s', name, path)


def env_name(path: str) -> str:
    """The environment variable of a path: `http.retries` -> `OCPDB_HTTP__RETRIES`."""
    return ENV_PREFIX + path.replace('.', ENV_DELIMITER).upper()


def split_flat_keys(values: Mapping[str, Any]) -> dict[str, Any]:
    """Keys as paths: flat aliases translated (silently: callers in code), ignored ones dropped."""
    paths: dict[str, Any] = {}
    for key, value in values.items():
        path = FLAT_KEYS.get(key, key)
        if path is None:
            continue
        if path in paths:
            raise ConfigError(f'{key} and another key both set {path}')
        paths[path] = value
    return paths


def nest_flat_keys(values: dict[str, Any], where: str) -> dict[str, Any]:
    """A config file's top level with its flat keys moved into the tree; both spellings of one key fail."""
    nested = {
        key: dict(value) if isinstance(value, dict) else value for key, value in values.items() if key not in FLAT_KEYS
    }
    for key, value in values.items():
        if key not in FLAT_KEYS:
            continue
        path = FLAT_KEYS[key]
        _report(key, path)
        if path is None:
            continue
        head, _, rest = path.partition('.')
        if not rest:
            if head in nested:
                raise ConfigError(f'{where}: {key} and {head} are both set')
            nested[head] = value
            continue
        concern = nested.setdefault(head, {})
        if not isinstance(concern, dict):
            continue  # the concern itself is malformed: its validation names it
        if rest in concern:
            raise ConfigError(f'{where}: {key} and {path} (or another alias of it) are both set')
        concern[rest] = value
    return nested


def translated_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment with flat `OCPDB_<KEY>` and plain names added under their nested names.

    A nested name already present wins over `OCPDB_<KEY>`, which wins over plain `DATABASE_URL`.
    """
    result = dict(environ)
    present = {name.upper() for name in environ}
    for key, path in FLAT_KEYS.items():
        name = ENV_PREFIX + key
        if name not in environ:
            continue
        if path is None:
            _report(name, None)
            continue
        target = env_name(path)
        if target == name:
            continue
        _report(name, target)
        if target not in present:
            result[target] = environ[name]
            present.add(target)
    for name, path in PLAIN_ENVIRONMENT.items():
        target = env_name(path)
        if name in environ and target not in present:
            result[target] = environ[name]
            present.add(target)
    return result
