"""Per-source configuration (`sources.<uid>` in config.yaml), typed by the source's family.

Every family takes the common keys of `SourceConfig`; its model adds what the family really reads
(credentials, filters). An unknown key fails naming the source, the key and what the family takes.
The configuration package only carries these entries as mappings: the registry side types and checks
them here, so config never imports the sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from ocpdb_pipelines.config import ConfigError, Settings
from ocpdb_pipelines.sources.registry import REGISTRY, SourceSpec, get_spec


class SourceConfig(BaseModel):
    """Keys every source takes."""

    model_config = ConfigDict(extra='forbid', frozen=True)

    enabled: bool = Field(True, description='false: the source is known but off (its keys are not checked)')
    auto_fetch: bool = Field(True, description="false: the source's schedule and sensor start stopped")
    fetch_at_init: bool = Field(True, description='false: `ocpdb import all` skips the source')
    debug: bool = Field(False, description='accepted from the predecessor; the raw archive keeps every exchange')
    url: str | None = Field(None, description='override the static base URL of the registry')
    realtime_url: str | None = Field(None, description='override the realtime URL of the registry')
    static_cron: str | None = Field(None, description='override the static schedule (cron, UTC)')
    realtime_interval_seconds: int | None = Field(
        None, ge=10, description='override the realtime pull interval (`schedule.realtime_pull_seconds`)'
    )

    def value(self, key: str) -> Any:
        """A key's value with secrets revealed (None when the family has no such key)."""
        value = getattr(self, key, None)
        return value.get_secret_value() if isinstance(value, SecretStr) else value

    @property
    def realtime_by_push(self) -> bool:
        """Realtime arrives by push only: the sensor does not pull."""
        return False


class BasicAuthConfig(SourceConfig):
    """Sources behind HTTP Basic or WS-Security auth."""

    user: str | None = Field(None, description='user of HTTP Basic or WS-Security auth')
    password: SecretStr | None = Field(None, description='password of HTTP Basic or WS-Security auth')


class ApiKeyConfig(SourceConfig):
    """chargecloud AFIR: an API key header."""

    api_key: SecretStr | None = Field(None, description='API key (`X-Api-Key` header)')


class TokenConfig(SourceConfig):
    """OCPI: a token header."""

    token: SecretStr | None = Field(None, description='OCPI token (`Authorization: Token ...`)')


class BnetzaConfig(SourceConfig):
    """The BNetzA register."""

    ignore_operators: list[str] = Field(default_factory=list, description='drop installations of these operators')


class OpendataSwissConfig(SourceConfig):
    """OpenData Swiss (OICP)."""

    filter_countries: list[str] | None = Field(None, description='keep only these alpha-3 countries')


class GiroeSourceConfig(BasicAuthConfig):
    """giro-e: pulled with Basic auth, realtime optionally pushed."""

    use_realtime_push: bool = Field(False, description='true: realtime arrives by push only; the sensor does not pull')

    @property
    def realtime_by_push(self) -> bool:
        return self.use_realtime_push


class DatexConfig(SourceConfig):
    """DATEX II from the Mobilithek: subscriptions over mTLS, realtime optionally pushed."""

    static_subscription_id: str | None = Field(None, description='Mobilithek subscription of the static feed')
    realtime_subscription_id: str | None = Field(None, description='Mobilithek subscription of the realtime feed')
    mobilithek_cert_path: str | None = Field(None, description='client certificate for the subscriptions (mTLS)')
    mobilithek_key_path: str | None = Field(None, description='client key for the subscriptions (mTLS)')
    api_key: SecretStr | None = Field(None, description='key of the realtime push endpoint (`?key=`)')
    use_realtime_push: bool = Field(False, description='true: realtime arrives by push only; the sensor does not pull')

    @property
    def realtime_by_push(self) -> bool:
        return self.use_realtime_push


# family -> the model of its sources' keys
FAMILY_CONFIG: dict[str, type[SourceConfig]] = {
    'bnetza': BnetzaConfig,
    'chargecloud': SourceConfig,
    'chargecloud_afir': ApiKeyConfig,
    'datex2': DatexConfig,
    'giroe': GiroeSourceConfig,
    'goldbeck': BasicAuthConfig,
    'lichtblick': BasicAuthConfig,
    'ochp': BasicAuthConfig,
    'ocpi': TokenConfig,
    'opendata_swiss': OpendataSwissConfig,
}


def config_model(spec: SourceSpec) -> type[SourceConfig]:
    return FAMILY_CONFIG.get(spec.family, SourceConfig)


def options_for(source: SourceSpec | str, values: Mapping[str, Any] | None = None) -> SourceConfig:
    """`values` typed by the source's family; ConfigError naming `sources.<uid>.<key>` when they do not fit."""
    spec = get_spec(source) if isinstance(source, str) else source
    model = config_model(spec)
    try:
        return model.model_validate(dict(values or {}))
    except ValidationError as exc:
        problems = []
        for item in exc.errors():
            key = '.'.join(str(p) for p in item['loc'])
            problems.append(f'sources.{spec.uid}.{key}: {item["msg"]}')
            if item['type'] == 'extra_forbidden':
                problems[-1] += f' (family {spec.family} takes {", ".join(model.model_fields)})'
        raise ConfigError('; '.join(problems)) from exc


def source_options(settings: Settings, uid: str) -> SourceConfig | None:
    """The typed keys of `sources.<uid>`, or None when the source is not configured."""
    values = settings.sources.get(uid)
    return None if values is None else options_for(uid, values)


def check_sources(settings: Settings) -> Settings:
    """Every configured source known, its keys typed, its required keys set: else a ConfigError naming them."""
    for uid in settings.sources:
        if uid not in REGISTRY:
            raise ConfigError(f'sources.{uid}: unknown source uid')
        config = source_options(settings, uid)
        assert config is not None
        if not config.enabled:
            continue
        missing = REGISTRY[uid].missing_config(config)
        if missing:
            raise ConfigError(f'sources.{uid}: missing required key(s) {", ".join(missing)}')
    return settings
