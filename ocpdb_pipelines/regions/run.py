"""The CLI/asset entry for region codes: load VG25 when it is not loaded yet, then assign."""

from __future__ import annotations

import httpx

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.regions.assign import AssignReport, assign_region_codes, regions_available
from ocpdb_pipelines.regions.vg25 import load_regions


def assign_with_settings(
    settings: Settings,
    source_uid: str | None = None,
    re_assign: bool = False,
    *,
    transport: httpx.BaseTransport | None = None,
) -> AssignReport:
    with connect(settings.database.url.get_secret_value(), autocommit=True) as conn:
        loaded = regions_available(conn)
    if not loaded:
        load_regions(settings, transport=transport)
    with connect(settings.database.url.get_secret_value(), autocommit=True) as conn:
        return assign_region_codes(conn, source_uid=source_uid, re_assign=re_assign)
