"""Loading the settings: built-in defaults < config.yaml < environment.

`OCPDB_CONFIG` names the YAML file (default `config.yaml` in the project root; missing is fine and
means "embedded defaults", unless it was named). The environment overrides any key as
`OCPDB_<CONCERN>__<KEY>` (e.g. `OCPDB_HTTP__RETRIES=0`; structured values as JSON, e.g.
`OCPDB_SOURCES='{"bnetza_api": {}}'`); `DATABASE_URL` and `REDIS_URL` are read plainly too, and the flat
keys of the alias table (aliases.py) keep working. A missing or invalid key fails at start with a
message naming it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from ocpdb_pipelines.config.errors import ConfigError
from ocpdb_pipelines.config.layers import LOAD, Load, config_path
from ocpdb_pipelines.config.models import Settings


def format_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        key = '.'.join(str(p) for p in item['loc'])
        parts.append(f'{key}: {item["msg"]}')
    return '; '.join(parts)


def load_settings(config_file: str | Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    environ = dict(os.environ if environ is None else environ)
    explicit = config_file is not None or 'OCPDB_CONFIG' in environ
    token = LOAD.set(Load(environ, config_path(environ, config_file), explicit))
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(f'invalid configuration: {format_error(exc)}') from exc
    finally:
        LOAD.reset(token)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


_current: tuple[tuple, Settings] | None = None


def current_settings() -> Settings:
    """Settings as config.yaml and the environment say now, re-read only when either changed.

    Sensors ask every tick; parsing the YAML each time was a fifth of a tick's own CPU.
    """
    global _current
    path = config_path(os.environ)
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
