"""opendata_swiss: static daily, realtime by conditional GET of the status file (config `url` /
`realtime_url` override the spec's URLs; `filter_countries` keeps only the listed alpha-3 countries)."""

from __future__ import annotations

from ocpdb_pipelines.sources.base import Family, Page, PayloadError, RealtimeBatch, SourceContext, StaticBatch
from ocpdb_pipelines.sources.common.pull import config_of, get_single, realtime_url, static_url
from ocpdb_pipelines.sources.opendata_swiss import parse, realtime


def _one(pages: list[Page]) -> bytes:
    if len(pages) != 1:
        raise PayloadError(f'opendata_swiss: expected one payload, got {len(pages)}')
    return pages[0].body


def fetch_static(ctx: SourceContext) -> list[Page]:
    return get_single(ctx, static_url(ctx))


def fetch_realtime(ctx: SourceContext) -> list[Page]:
    return get_single(ctx, realtime_url(ctx))


def parse_static(ctx: SourceContext, pages: list[Page]) -> StaticBatch:
    return parse.parse(_one(pages), filter_countries=config_of(ctx).filter_countries)


def parse_realtime(ctx: SourceContext, pages: list[Page]) -> RealtimeBatch:
    return realtime.parse(_one(pages))


FAMILY = Family(
    name='opendata_swiss',
    fetch_static=fetch_static,
    parse_static=parse_static,
    fetch_realtime=fetch_realtime,
    parse_realtime=parse_realtime,
)
