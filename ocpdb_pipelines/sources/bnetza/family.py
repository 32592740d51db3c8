"""Fetch and parse for both BNetzA sources (the uid picks the format)."""

from __future__ import annotations

from ocpdb_pipelines.sources.base import Family, Page, SourceContext, StaticBatch
from ocpdb_pipelines.sources.bnetza import api, excel
from ocpdb_pipelines.sources.common.pull import get_single, static_url


def fetch_static(ctx: SourceContext) -> list[Page]:
    headers = {'Accept': 'application/json'} if ctx.spec.uid == 'bnetza_api' else {}
    return get_single(ctx, static_url(ctx), headers=headers)


def parse_static(ctx: SourceContext, pages: list[Page]) -> StaticBatch:
    bodies = [page.body for page in pages]
    if ctx.spec.uid == 'bnetza_excel':
        return excel.parse(bodies, screen=ctx.coordinates)
    return api.parse(bodies, ignore_operators=ctx.config.ignore_operators)


FAMILY = Family(name='bnetza', fetch_static=fetch_static, parse_static=parse_static)
