"""The `datex2` family: Mobilithek mTLS pulls + one shared parser per DATEX II version."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpdb_pipelines.sources.base import Family, Page, PayloadError, RealtimeBatch, SourceContext, StaticBatch
from ocpdb_pipelines.sources.common.values import load_json
from ocpdb_pipelines.sources.datex2.parse import parse_static_document
from ocpdb_pipelines.sources.datex2.realtime import parse_status_bodies
from ocpdb_pipelines.sources.datex2.wire import fetch_realtime, fetch_static, next_cursor, page_last_modified


def parse_static(ctx: SourceContext, pages: list[Page]) -> StaticBatch:
    if not pages:
        raise PayloadError(f'{ctx.spec.uid}: no static page to parse')
    version = ctx.spec.datex_version or '3.5'
    batch = StaticBatch(locations=[])
    for page in pages:
        part = parse_static_document(load_json(page.body), source_uid=ctx.spec.uid, version=version)
        batch.locations += part.locations
        batch.skipped += part.skipped
    # Last-Modified of the (last) page; when Mobilithek sends none, the import time (spec §4.2)
    batch.source_timestamp = page_last_modified(pages[-1]) or datetime.now(UTC)
    return batch


def parse_realtime(ctx: SourceContext, pages: list[Page]) -> RealtimeBatch:
    batch = parse_status_bodies([page.body for page in pages])
    if pages:
        batch.source_timestamp = page_last_modified(pages[-1]) or batch.source_timestamp
    return batch


FAMILY = Family(
    name='datex2',
    fetch_static=fetch_static,
    parse_static=parse_static,
    fetch_realtime=fetch_realtime,
    parse_realtime=parse_realtime,
    next_cursor=next_cursor,
)
