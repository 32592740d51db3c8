"""Where settings come from: config.yaml and the environment, as pydantic-settings sources.

`load_settings` names the file and the environment to read for one load (`LOAD`); `Settings()` with no
load under way reads `OCPDB_CONFIG` (default config.yaml in the project root) and `os.environ`. Both
layers read flat keys through the alias table (aliases.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, YamlConfigSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from ocpdb_pipelines.config.aliases import nest_flat_keys, translated_environment
from ocpdb_pipelines.config.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
# libyaml's safe loader where PyYAML was built with it: parsing config.yaml in C is several times faster
# (bench/RESULTS-config.md)
SAFE_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


@dataclass(frozen=True)
class Load:
    """One load: the environment to read and the config file (explicit: a missing one is an error)."""

    environ: Mapping[str, str]
    config_file: Path
    explicit: bool


LOAD: ContextVar[Load | None] = ContextVar('ocpdb_settings_load', default=None)


def config_path(environ: Mapping[str, str], config_file: str | Path | None = None) -> Path:
    return Path(config_file or environ.get('OCPDB_CONFIG') or PROJECT_ROOT / 'config.yaml')


def current_load() -> Load:
    load = LOAD.get()
    if load is not None:
        return load
    return Load(os.environ, config_path(os.environ), 'OCPDB_CONFIG' in os.environ)


class EnvironmentLayer(EnvSettingsSource):
    """`OCPDB_` variables, nested with `__`, plus the flat aliases and plain DATABASE_URL/REDIS_URL."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = translated_environment(environ)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


class YamlLayer(YamlConfigSettingsSource):
    """config.yaml (nested; flat keys read through the alias table)."""

    def _read_file(self, file_path: Path) -> dict[str, Any]:  # type: ignore[override]
        try:
            loaded = yaml.load(file_path.read_text(encoding='utf-8'), Loader=SAFE_LOADER) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f'config file {file_path} is not valid YAML: {exc}') from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f'config file {file_path} must hold a mapping of keys')
        return nest_flat_keys(loaded, str(file_path))


def environment_layer(settings_cls: type[BaseSettings]) -> PydanticBaseSettingsSource:
    return EnvironmentLayer(settings_cls, current_load().environ)


def yaml_layer(settings_cls: type[BaseSettings]) -> PydanticBaseSettingsSource:
    load = current_load()
    if not load.config_file.exists() and load.explicit:
        raise ConfigError(f'config file {load.config_file} does not exist')
    return YamlLayer(settings_cls, yaml_file=load.config_file)
