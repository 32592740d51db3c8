"""The configuration tree: one model per concern, named after who reads it.

`Settings` holds the concerns; each concern is a small model whose fields carry their default and
meaning (`description`, rendered into docs/reference/configuration.md by scripts/gen_docs.py). Secrets
(credentials, URLs that may carry a password, the giro-e id salt) are `SecretStr`: their repr is
masked and reading one is explicit (`.get_secret_value()`).

Per-source keys (`sources.<uid>`) are kept as given here; the source registry types and checks them
per family (`ocpdb_pipelines.sources.options`), so this package knows nothing about sources.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ocpdb_pipelines.config.aliases import split_flat_keys
from ocpdb_pipelines.config.layers import LOAD, PROJECT_ROOT, Load, environment_layer, yaml_layer


class Concern(BaseModel):
    """Base of every concern: unknown keys fail, naming themselves."""

    model_config = ConfigDict(extra='forbid')


class DatabaseConfig(Concern):
    """PostgreSQL/PostGIS connections (pipelines, API, push receivers)."""

    url: SecretStr = Field(
        SecretStr('postgresql://postgres@127.0.0.1:5432/ocpdb'),
        description='PostGIS; the pipelines write here (plain `DATABASE_URL` is read too)',
    )
    api_url: SecretStr | None = Field(
        None, description="the API's read-only connection; default: `database.url` as role ocpdb_reader"
    )
    ingest_url: SecretStr | None = Field(
        None, description="the push receivers' connection; default: `database.url` as role ocpdb_ingest"
    )
    writer_url: SecretStr | None = Field(
        None,
        description="ocpdb_writer's URL: only `ocpdb db upgrade` reads it, to set that role's password (the Dagster"
        ' services connect with it as their `DATABASE_URL`)',
    )


class RedisConfig(Concern):
    """Redis: tile cache and the DATEX II push watermark."""

    url: SecretStr = Field(
        SecretStr('redis://127.0.0.1:6379/0'), description='Redis server and database (plain `REDIS_URL` is read too)'
    )


class ApiConfig(Concern):
    """The API process (ocpdb_api): public URL, proxies, its database pool, metrics."""

    project_url: str = Field('http://localhost:8000', description='public base URL (pagination links, image URLs)')
    trusted_proxies: str = Field(
        '127.0.0.1',
        description='addresses/networks (or *) whose X-Forwarded-Proto/-Host/-For links follow instead of '
        '`api.project_url`',
    )
    pool_size: int = Field(
        0, ge=0, description='most PostgreSQL connections per API process; 0: twice the CPU count, at least 4'
    )
    pool_timeout: float = Field(5.0, gt=0, description='seconds a request waits for a database connection (then 503)')
    statement_timeout: float = Field(10.0, gt=0, description='seconds one API query may run before it is cancelled')
    evse_status_metrics: bool = Field(False, description='`/metrics` with one sample per EVSE')
    list_item_cache_seconds: int = Field(
        3600,
        ge=0,
        description='lifetime in Redis of a rendered location of the list pages, served only while its rows are '
        'unchanged (~2.3 kB per location and shape); 0: render every item',
    )


class TilesConfig(Concern):
    """Vector tiles and their Redis cache (ocpdb_api/tilecache.py)."""

    cache_seconds: int = Field(
        300, ge=0, description='lifetime of a cached tile in Redis (an entry is re-checked on every read)'
    )
    max_stale_seconds: int = Field(
        30,
        ge=0,
        description='tiles below `tiles.exact_from_zoom` lag live changes at most this long; also max-age',
    )
    exact_from_zoom: int = Field(
        14, ge=0, le=23, description='from this zoom a live change invalidates the tiles it touches at once'
    )


class MapConfig(Concern):
    """The map page at `/`."""

    show: bool = Field(True, description='`/` shows the map (else a JSON index)')
    style_url: str | None = Field(None, description='MapLibre style of a basemap service; null: the offline basemap')
    status_stale_seconds: int = Field(
        3600, ge=0, description='live statuses unconfirmed for this long are drawn as stale (0: never)'
    )


class ScheduleConfig(Concern):
    """Source schedules and sensors (defs/sources/automation.py)."""

    static_pull_hour: int = Field(
        1, ge=0, le=23, description='daily static import time (UTC) for sources without their own schedule, hour'
    )
    static_pull_minute: int = Field(0, ge=0, le=59, description='daily static import time (UTC), minute')
    realtime_pull_seconds: int = Field(60, ge=10, description="seconds between realtime pulls (the sensor's interval)")
    disable_autofetch: bool = Field(False, description='true: every source schedule and sensor starts stopped')


class ImagesConfig(Concern):
    """Image download (images/) and how the API links the images."""

    dir: str = Field('data/images', description='where downloaded images are stored')
    public_path: str = Field('/data/images', description='URL path under which the images are served')
    pull_hour: int = Field(4, ge=0, le=23, description='daily image download time (UTC), hour')
    pull_minute: int = Field(0, ge=0, le=59, description='daily image download time (UTC), minute')
    request_delay_seconds: float = Field(0.1, ge=0, description='seconds between image downloads')


class HttpConfig(Concern):
    """Outgoing HTTP of source fetches and the Mobilithek push (http/fetcher.py, exports/datex2/push.py)."""

    timeout: float = Field(120.0, gt=0, description='seconds per request')
    retries: int = Field(3, ge=0, description='retries on transport errors, 429 and 5xx, with exponential backoff')
    realtime_tick_budget_seconds: float = Field(
        30.0,
        gt=0,
        le=50,
        description="a sensor tick's whole HTTP time (requests, retries, backoff); Dagster stops a tick at 60 s",
    )


class ArchiveConfig(Concern):
    """The raw archive: every fetch as one snapshot directory (pages + manifest.json), before parsing."""

    dir: str = Field('data/raw', description='root of the snapshots')
    realtime_retention_days: float = Field(14, ge=0, description='realtime snapshots: maximum age ...')
    realtime_keep: int = Field(1440, ge=1, description='... and count per source (a day of 60 s polls)')
    static_retention_days: float = Field(90, ge=0, description='static snapshots, kept apart from realtime ones ...')
    static_keep: int = Field(30, ge=1, description='... (the newest applied one always stays)')


class LandingConfig(Concern):
    """Pushed payloads, durable until applied, and the rejected ones (push/)."""

    dir: str = Field('data/landing', description='pushed payloads, durable until applied')
    rejected_max_bytes: int = Field(
        64 * 1024 * 1024,
        ge=0,
        description='rejected/ keeps at most this much per source (oldest dropped, huge bodies truncated)',
    )
    rejected_retention_days: int = Field(14, ge=0, description='and nothing older')


class ServerUser(BaseModel):
    """A user of the push endpoints under /api/server/v1."""

    model_config = ConfigDict(extra='forbid')

    hash: str = Field(pattern=r'^[0-9a-f]{64}$', repr=False, description='sha256 hex digest of the password')
    roles: list[str] = Field(
        default_factory=list, description='push endpoints the user may call: `giroe`, `bnetza`, `datex2`'
    )


class ServerConfig(Concern):
    """The push receivers under /api/server/v1 (ocpdb_api/server_api)."""

    auth_users: dict[str, ServerUser] = Field(
        default_factory=dict, description='Basic-auth users: name -> `{hash, roles}` (see the table below)'
    )
    max_body_bytes: dict[str, int] = Field(
        default_factory=dict,
        description='per push endpoint (giroe, datex, bnetza), decompressed; defaults 1 MiB, 64 MiB, 128 MiB',
    )
    datex2_async_station_status_threshold: int = Field(
        25, description='pushed DATEX deltas up to this many stations apply at once'
    )
    datex2_sync_max_content_length: int = Field(256000, description='bigger pushed bodies are landed unparsed')


class GiroeConfig(Concern):
    """giro-e, pulled and pushed (sources/giroe, push/giroe_apply.py, server_api/giroe.py)."""

    object_id_secret: SecretStr = Field(SecretStr('change-me'), description='salt for giro-e location uids')


class ImportsConfig(Concern):
    """How an import applies a snapshot (imports.py)."""

    shrink_guard_ratio: float = Field(
        0.5, ge=0, le=1, description='refuse a snapshot with fewer than this share of the stored locations ...'
    )
    shrink_guard_min_existing: int = Field(20, ge=0, description='... once the source has at least this many')
    live_vacuum_seconds: int = Field(
        60, ge=0, description='realtime runs VACUUM of the tables it writes at most this often (0: never)'
    )


class MatchingConfig(Concern):
    """Matching of BNetzA register locations to live ones (defs/downstream/matching.py)."""

    factor_threshold: float = Field(
        0.25, ge=0, le=1, description='lowest match score that links a BNetzA location to a live one'
    )


class HistoryConfig(Concern):
    """evse_status_history retention and downsampling (store/history.py)."""

    retention_days: float = Field(90, gt=0, description='status history older than this is deleted')
    full_resolution_days: float = Field(7, ge=0, description='older history keeps one status per EVSE and bucket')
    bucket_minutes: int = Field(15, ge=1, description='the bucket of that downsampling, in minutes')


class ExportsConfig(Concern):
    """DATEX II exports and dumps (exports/, defs/downstream/dumps.py, the API's /dumps)."""

    dir: str = Field('data/exports', description='DATEX II exports; dumps under `<dir>/dumps`')
    datex2_schema_dir: str | None = Field(
        None,
        description='official DATEX II schemas (v3_5/json, v3_7/json, v3_7/xml) for the export asset checks and '
        'the 3.7 XML writer; default ../shared/schemas/datex2',
    )


class MobilithekConfig(Concern):
    """The DATEX II push to the Mobilithek (exports/datex2/push.py, defs/downstream/exports.py)."""

    enabled: bool = Field(False, description='switch the Mobilithek push schedules and sensors on')
    version: str = Field('3.5', description="'3.5' or '3.7'")
    name: str | None = Field(None, description='your name as `supplierOrCisRequester` in pushed messages')
    url: str = Field(
        'https://mobilithek.info:8443/mobilithek/api/v1.0',
        description='base URL of the Mobilithek API; pushes go to `<url>/publication/<id>`',
    )
    static_publication_id: str | None = Field(None, description='publication that receives the static snapshot')
    realtime_publication_id: str | None = Field(
        None, description='publication that receives realtime full snapshots and diffs'
    )
    key_dir: str | None = Field(None, description='directory holding the client certificate and key')
    certificate_filename: str | None = Field(None, description='client certificate file name inside `key_dir`')
    key_filename: str | None = Field(None, description='client key file name inside `key_dir`')
    ca_file: str | None = Field(
        None, description='CA bundle to verify the Mobilithek (pull and push; default: system CAs)'
    )
    static_push_hour: int = Field(3, ge=0, le=23, description='daily static push time (UTC), hour')
    static_push_minute: int = Field(0, ge=0, le=59, description='daily static push time (UTC), minute')
    realtime_full_push_seconds: int = Field(
        21600, ge=60, description='seconds between realtime full snapshots (snapshotPush)'
    )
    realtime_diff_push_seconds: int = Field(60, ge=30, description='seconds between realtime diffs (deltaPush)')


class Vg25Config(Concern):
    """Regional codes from the VG25 GeoPackage (regions/vg25.py)."""

    geopackage_url: str = Field(
        'https://mobidata-bw.de/daten/ipl/verwaltungsgrenzen/251231_DE_VG25.gpkg',
        description='where the GeoPackage is downloaded from when the file is missing',
    )
    geopackage_path: str = Field(
        'data/regionalschluessel/vg25.gpkg', description='the local GeoPackage; delete it to force a new download'
    )
    user_agent: str = Field('OCPDB', description='User-Agent of the download')


# concern field name -> model, in the order of config.example.yaml and the docs
CONCERNS: dict[str, type[Concern]] = {
    'database': DatabaseConfig,
    'redis': RedisConfig,
    'api': ApiConfig,
    'tiles': TilesConfig,
    'map': MapConfig,
    'schedule': ScheduleConfig,
    'http': HttpConfig,
    'archive': ArchiveConfig,
    'imports': ImportsConfig,
    'matching': MatchingConfig,
    'landing': LandingConfig,
    'server': ServerConfig,
    'giroe': GiroeConfig,
    'images': ImagesConfig,
    'history': HistoryConfig,
    'exports': ExportsConfig,
    'mobilithek': MobilithekConfig,
    'vg25': Vg25Config,
}


class Settings(BaseSettings):
    """Every concern; loaded from config.yaml and the `OCPDB_` environment (`load_settings`)."""

    model_config = SettingsConfigDict(
        extra='forbid',
        env_prefix='OCPDB_',
        env_nested_delimiter='__',
        env_parse_none_str='null',
        case_sensitive=False,
    )

    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    redis: RedisConfig = Field(default_factory=RedisConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    tiles: TilesConfig = Field(default_factory=TilesConfig)
    map: MapConfig = Field(default_factory=MapConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    http: HttpConfig = Field(default_factory=HttpConfig)
    archive: ArchiveConfig = Field(default_factory=ArchiveConfig)
    imports: ImportsConfig = Field(default_factory=ImportsConfig)
    matching: MatchingConfig = Field(default_factory=MatchingConfig)
    landing: LandingConfig = Field(default_factory=LandingConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    giroe: GiroeConfig = Field(default_factory=GiroeConfig)
    images: ImagesConfig = Field(default_factory=ImagesConfig)
    history: HistoryConfig = Field(default_factory=HistoryConfig)
    exports: ExportsConfig = Field(default_factory=ExportsConfig)
    mobilithek: MobilithekConfig = Field(default_factory=MobilithekConfig)
    vg25: Vg25Config = Field(default_factory=Vg25Config)
    sources: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='the switched-on sources and their keys, typed per family by the source registry '
        '(see the per-family tables below)',
    )
    data_dir: str = Field(
        'data', description="root of the runtime data (demo samples, the coordinate screen's cache/boundaries/, ...)"
    )
    logging: dict[str, Any] = Field(
        default_factory=lambda: {'version': 1},
        description='a `logging.config.dictConfig` dictionary; `{version: 1}` means a console logger',
    )

    @field_validator('sources', mode='before')
    @classmethod
    def _source_entries(cls, value: Any) -> Any:
        """`uid:` with nothing under it means `{}`; an entry given as a model (tests, copies) as its set keys."""
        if not isinstance(value, dict):
            return value
        entries = {}
        for uid, entry in value.items():
            if entry is None:
                entry = {}
            elif isinstance(entry, BaseModel):
                entry = entry.model_dump(exclude_unset=True)
            entries[uid] = entry
        return entries

    def boundary_cache_dir(self) -> Path:
        """Where the coordinate screen keeps its grown country outlines between processes (quality/boundaries.py)."""
        return self.path(self.data_dir) / 'cache' / 'boundaries'

    def path(self, value: str) -> Path:
        """Resolve a configured path relative to the project root."""
        candidate = Path(value)
        return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Later loses: arguments, then the environment, then config.yaml (then the defaults)."""
        return init_settings, environment_layer(settings_cls), yaml_layer(settings_cls)

    def with_values(self, **changes: Any) -> Settings:
        """A validated copy with some values changed.

        A concern takes a mapping of its fields to change (`with_values(http={'retries': 0})`); any other
        field is replaced (`sources=...`). A flat key of the alias table (`HTTP_RETRIES=0`) names its path.
        """
        data = self.model_dump()
        for path, value in split_flat_keys(changes).items():
            head, _, rest = path.partition('.')
            if head not in data:
                raise ValueError(f'with_values: unknown key {path}')
            if rest:
                data[head][rest] = value
            elif head in CONCERNS and isinstance(value, dict):
                data[head].update(value)
            else:
                data[head] = value
        # validation runs the settings sources again: with an empty load, only `data` counts
        token = LOAD.set(Load({}, Path(os.devnull), explicit=False))
        try:
            return type(self).model_validate(data)
        finally:
            LOAD.reset(token)
