"""Configuration: built-in defaults < config.yaml < environment.

`OCPDB_CONFIG` names the YAML file (default `config.yaml` in the project root; missing is fine and
means "embedded defaults"). Any key can be overridden by an environment variable `OCPDB_<KEY>`
(JSON-parsed where it parses), and `DATABASE_URL` / `REDIS_URL` also plainly. A missing or invalid
key fails at start with a message naming it.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message names the offending key."""


class SourceConfig(BaseModel):
    """Per-source settings under `SOURCES.<uid>` (predecessor keys plus cadence overrides)."""

    model_config = ConfigDict(extra='forbid')

    enabled: bool = True
    auto_fetch: bool = True
    fetch_at_init: bool = True
    debug: bool = False
    url: str | None = None
    realtime_url: str | None = None
    api_key: str | None = None
    token: str | None = None
    user: str | None = None
    password: str | None = None
    static_subscription_id: str | None = None
    realtime_subscription_id: str | None = None
    mobilithek_cert_path: str | None = None
    mobilithek_key_path: str | None = None
    use_realtime_push: bool = False
    ignore_operators: list[str] = Field(default_factory=list)
    filter_countries: list[str] | None = None
    static_cron: str | None = None
    realtime_interval_seconds: int | None = Field(default=None, ge=10)


class ServerUser(BaseModel):
    model_config = ConfigDict(extra='forbid')

    hash: str = Field(pattern=r'^[0-9a-f]{64}$')
    roles: list[str] = Field(default_factory=list)


class Settings(BaseModel):
    """Every key with its default; config.example.yaml documents them."""

    model_config = ConfigDict(extra='forbid')

    DATABASE_URL: str = 'postgresql://postgres@127.0.0.1:5432/ocpdb'
    API_DATABASE_URL: str | None = None
    API_POOL_SIZE: int = Field(default=0, ge=0)
    API_POOL_TIMEOUT: float = Field(default=5.0, gt=0)
    API_STATEMENT_TIMEOUT: float = Field(default=10.0, gt=0)
    INGEST_DATABASE_URL: str | None = None
    # the pipelines' own URL as ocpdb_writer: only read by `ocpdb db upgrade`, which sets that role's password
    # from it (the Dagster services connect with it as their DATABASE_URL; README "Database roles")
    WRITER_DATABASE_URL: str | None = None
    REDIS_URL: str = 'redis://127.0.0.1:6379/0'
    PROJECT_URL: str = 'http://localhost:8000'
    TRUSTED_PROXIES: str = '127.0.0.1'
    SOURCES: dict[str, SourceConfig] = Field(default_factory=dict)
    SERVER_AUTH_USERS: dict[str, ServerUser] = Field(default_factory=dict)
    OBJECT_ID_SECRET: str = 'change-me'

    MATCHING_FACTOR_THRESHOLD: float = Field(default=0.25, ge=0, le=1)
    STATIC_PULL_HOUR: int = Field(default=1, ge=0, le=23)
    STATIC_PULL_MINUTE: int = Field(default=0, ge=0, le=59)
    REALTIME_PULL_FREQUENCY: int = Field(default=60, ge=10)
    IMAGE_PULL_HOUR: int = Field(default=4, ge=0, le=23)
    IMAGE_PULL_MINUTE: int = Field(default=0, ge=0, le=59)
    IMAGE_IMPORT_REQUEST_DELAY: float = Field(default=0.1, ge=0)
    DISABLE_AUTOFETCH: bool = False

    DATA_DIR: str = 'data'
    DYNAMIC_IMAGE_DIR: str = 'data/images'
    PUBLIC_IMAGE_PATH: str = '/data/images'
    RAW_ARCHIVE_DIR: str = 'data/raw'
    # realtime snapshots (one per poll): by age and count per source
    RAW_ARCHIVE_RETENTION_DAYS: float = Field(default=14, ge=0)
    RAW_ARCHIVE_REALTIME_KEEP: int = Field(default=1440, ge=1)
    # static snapshots (one per import), kept apart from realtime ones; the newest applied always stays
    RAW_ARCHIVE_STATIC_RETENTION_DAYS: float = Field(default=90, ge=0)
    RAW_ARCHIVE_STATIC_KEEP: int = Field(default=30, ge=1)
    LANDING_DIR: str = 'data/landing'
    EXPORT_DIR: str = 'data/exports'
    BNETZA_IMPORT_DIR: str = 'data/bnetza-import'

    HTTP_TIMEOUT: float = Field(default=120.0, gt=0)
    HTTP_RETRIES: int = Field(default=3, ge=0)
    REALTIME_TICK_BUDGET_SECONDS: float = Field(default=30.0, gt=0, le=50)
    SHRINK_GUARD_RATIO: float = Field(default=0.5, ge=0, le=1)
    SHRINK_GUARD_MIN_EXISTING: int = Field(default=20, ge=0)

    SERVER_MAX_BODY_BYTES: dict[str, int] = Field(default_factory=dict)  # per push endpoint: giroe, datex, bnetza
    LANDING_REJECTED_MAX_BYTES: int = Field(default=64 * 1024 * 1024, ge=0)  # per source
    LANDING_REJECTED_RETENTION_DAYS: int = Field(default=14, ge=0)

    DATEX2_ASYNC_STATION_STATUS_THRESHOLD: int = 25
    DATEX2_SYNC_MAX_CONTENT_LENGTH: int = 256000
    EVSE_STATUS_METRICS: bool = False
    SHOW_MAP: bool = True
    TILE_CACHE_SECONDS: int = Field(default=300, ge=0)
    # a tile below TILE_EXACT_FROM_ZOOM is served from cache up to this long after a live change under it
    # (and browsers keep any tile this long); at and above that zoom a live change invalidates at once
    TILE_MAX_STALE_SECONDS: int = Field(default=30, ge=0)
    TILE_EXACT_FROM_ZOOM: int = Field(default=14, ge=0, le=23)
    # evse_status_history: deleted after RETENTION_DAYS; older than FULL_RESOLUTION_DAYS, one row per EVSE and
    # BUCKET_MINUTES is kept (ocpdb_pipelines/store/history.py)
    EVSE_STATUS_HISTORY_RETENTION_DAYS: float = Field(default=90, gt=0)
    EVSE_STATUS_HISTORY_FULL_RESOLUTION_DAYS: float = Field(default=7, ge=0)
    EVSE_STATUS_HISTORY_BUCKET_MINUTES: int = Field(default=15, ge=1)
    # evse, charging_station and location are vacuumed at most this often (0: never; store/maintenance.py), by the
    # realtime runs when they connect as the tables' owner, else by `ocpdb db maintain` with the owner's URL
    LIVE_VACUUM_SECONDS: int = Field(default=60, ge=0)
    # a MapLibre style URL of a basemap service; empty: the offline basemap (Natural Earth + VG25)
    MAP_STYLE_URL: str | None = None
    # a live status neither the source nor the EVSE confirmed for this long is drawn as stale; 0: never
    MAP_STATUS_STALE_SECONDS: int = Field(default=3600, ge=0)

    KEY_DIR: str | None = None
    MOBILITHEK_ENABLED: bool = False
    MOBILITHEK_VERSION: str = '3.5'
    MOBILITHEK_NAME: str | None = None
    MOBILITHEK_URL: str = 'https://mobilithek.info:8443/mobilithek/api/v1.0'
    MOBILITHEK_STATIC_PUBLICATION_ID: str | None = None
    MOBILITHEK_REALTIME_PUBLICATION_ID: str | None = None
    MOBILITHEK_CERTIFICATE_FILENAME: str | None = None
    MOBILITHEK_KEY_FILENAME: str | None = None
    MOBILITHEK_CA_FILE: str | None = None
    MOBILITHEK_STATIC_PUSH_HOUR: int = Field(default=3, ge=0, le=23)
    MOBILITHEK_STATIC_PUSH_MINUTE: int = Field(default=0, ge=0, le=59)
    MOBILITHEK_REALTIME_FULL_PUSH_FREQUENCY: int = Field(default=21600, ge=60)
    MOBILITHEK_REALTIME_DIFF_PUSH_FREQUENCY: int = Field(default=60, ge=30)

    DATEX2_SCHEMA_DIR: str | None = None

    VG25_GEOPACKAGE_URL: str = 'https://mobidata-bw.de/daten/ipl/verwaltungsgrenzen/251231_DE_VG25.gpkg'
    VG25_GEOPACKAGE_PATH: str = 'data/regionalschluessel/vg25.gpkg'
    VG25_USER_AGENT: str = 'OCPDB'

    LOGGING: dict[str, Any] = Field(default_factory=lambda: {'version': 1})

    def path(self, value: str) -> Path:
        """Resolve a configured path relative to the project root."""
        candidate = Path(value)
        return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate

    def source(self, uid: str) -> SourceConfig | None:
        return self.SOURCES.get(uid)


def _env_value(raw: str, annotation: Any = None) -> Any:
    """JSON-parse structured values; keep text for text keys (a publication id of digits stays a string)."""
    if annotation in (str, str | None):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _format_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        key = '.'.join(str(p) for p in item['loc'])
        parts.append(f'{key}: {item["msg"]}')
    return '; '.join(parts)


def load_settings(config_file: str | Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    environ = dict(os.environ if environ is None else environ)
    path = Path(config_file or environ.get('OCPDB_CONFIG') or PROJECT_ROOT / 'config.yaml')
    values: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f'config file {path} is not valid YAML: {exc}') from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f'config file {path} must hold a mapping of keys')
        values.update(loaded)
    elif config_file is not None or 'OCPDB_CONFIG' in environ:
        raise ConfigError(f'config file {path} does not exist')
    fields = Settings.model_fields
    for key in ('DATABASE_URL', 'REDIS_URL'):
        if key in environ:
            values[key] = environ[key]
    for name, raw in environ.items():
        if name.startswith('OCPDB_') and name[6:] in fields:
            values[name[6:]] = _env_value(raw, fields[name[6:]].annotation)
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f'unknown config key(s): {", ".join(unknown)}')
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(f'invalid configuration: {_format_error(exc)}') from exc
    _check_sources(settings)
    return settings


def _check_sources(settings: Settings) -> None:
    from ocpdb_pipelines.sources.registry import REGISTRY

    for uid, source_config in settings.SOURCES.items():
        if uid not in REGISTRY:
            raise ConfigError(f'SOURCES.{uid}: unknown source uid')
        if not source_config.enabled:
            continue
        missing = REGISTRY[uid].missing_config(source_config)
        if missing:
            raise ConfigError(f'SOURCES.{uid}: missing required key(s) {", ".join(missing)}')


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


_current: tuple[tuple, Settings] | None = None


def current_settings() -> Settings:
    """Settings as config.yaml and the environment say now, re-read only when either changed.

    Sensors ask every tick; parsing the YAML each time was a fifth of a tick's own CPU.
    """
    global _current
    path = Path(os.environ.get('OCPDB_CONFIG') or PROJECT_ROOT / 'config.yaml')
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    environ = tuple(
        sorted((k, v) for k, v in os.environ.items() if k.startswith('OCPDB_') or k in ('DATABASE_URL', 'REDIS_URL'))
    )
    key = (str(path), stamp, environ)
    if _current is None or _current[0] != key:
        _current = (key, load_settings())
    return _current[1]
