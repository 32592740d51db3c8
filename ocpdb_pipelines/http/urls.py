"""Where a source's static and realtime data live: one rule for every family.

Config `url` overrides the spec's static URL. When the family names `base_paths`, a configured
`url` is a base and the family's path is appended (OCHP, giro-e). Realtime: config `realtime_url`,
else the spec's separate realtime endpoint (one that differs from its static one), else the static
URL: a proxy or test server configured as `url` then serves both.
"""

from __future__ import annotations

from ocpdb_pipelines.config import ConfigError
from ocpdb_pipelines.sources.options import SourceConfig
from ocpdb_pipelines.sources.registry import SourceSpec


def resolve_url(spec: SourceSpec, config: SourceConfig, kind: str, base_paths: tuple[str, str] | None = None) -> str:
    realtime = kind == 'realtime'
    if base_paths is not None and config.url:
        return config.url.rstrip('/') + base_paths[1 if realtime else 0]
    if realtime and config.realtime_url:
        return config.realtime_url
    separate_realtime = spec.realtime_url if spec.realtime_url and spec.realtime_url != spec.static_url else None
    if realtime and separate_realtime:
        return separate_realtime
    url = config.url or spec.static_url
    if not url:
        key = 'realtime_url' if realtime else 'url'
        raise ConfigError(f'sources.{spec.uid}.{key}: no URL configured')
    return url
