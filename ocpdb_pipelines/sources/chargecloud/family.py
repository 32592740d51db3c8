"""chargecloud public feed (Pforzheim, Stuttgart, Tübingen): an OCPI envelope with chargecloud variants.

The variants are rewritten into plain OCPI before the shared mapper runs (spec §3.1):
the EVSE id is in `id` when `evse_id` is missing; `voltage` / `ampere` (numeric text) stand in for
`max_voltage` / `max_amperage`; `max_power` in kW stands in for `max_electric_power` (fractional kW
such as 3.7 are accepted, the predecessor rejected them); a floor level like "Ebene 2" keeps its last
word. Chargecloud-only fields are ignored. Realtime re-fetches the feed and applies statuses only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ocpdb_pipelines.sources.base import Family, Page, RealtimeBatch, SourceContext, StaticBatch
from ocpdb_pipelines.sources.common.pull import get_single, static_url
from ocpdb_pipelines.sources.ocpi.parse import realtime_batch, static_batch
from ocpdb_pipelines.sources.ocpi.wire import envelope_data


def _kilowatts_to_watts(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    try:
        watts = Decimal(str(value).strip()) * 1000
    except InvalidOperation:
        return value  # the mapper reports the wrong type
    return int(watts.to_integral_value())


def normalise_connector(raw: Any) -> Any:
    if not isinstance(raw, dict):
        return raw
    out = dict(raw)
    if 'max_voltage' not in out and 'voltage' in out:
        out['max_voltage'] = out['voltage']
    if 'max_amperage' not in out and 'ampere' in out:
        out['max_amperage'] = out['ampere']
    if 'max_electric_power' not in out and out.get('max_power') is not None:
        out['max_electric_power'] = _kilowatts_to_watts(out['max_power'])
    return out


def normalise_evse(raw: Any) -> Any:
    if not isinstance(raw, dict):
        return raw
    out = dict(raw)
    if out.get('evse_id') in (None, '') and out.get('id') not in (None, ''):
        out['evse_id'] = out['id']
    floor = out.get('floor_level')
    if isinstance(floor, str):
        out['floor_level'] = floor.split()[-1] if floor.strip() else None
    if isinstance(out.get('connectors'), list):
        out['connectors'] = [normalise_connector(c) for c in out['connectors']]
    return out


def normalise_location(raw: Any) -> Any:
    if not isinstance(raw, dict):
        return raw
    out = dict(raw)
    if isinstance(out.get('evses'), list):
        out['evses'] = [normalise_evse(e) for e in out['evses']]
    return out


def _locations(ctx: SourceContext, pages: list[Page]) -> list[Any]:
    return [
        normalise_location(item)
        for page in pages
        for item in envelope_data(page.body, f'{ctx.spec.uid} chargecloud feed')
    ]


def fetch_static(ctx: SourceContext) -> list[Page]:
    return get_single(ctx, static_url(ctx))


def fetch_realtime(ctx: SourceContext) -> list[Page]:
    return get_single(ctx, static_url(ctx))


def parse_static(ctx: SourceContext, pages: list[Page]) -> StaticBatch:
    return static_batch(_locations(ctx, pages), default_time_zone=ctx.spec.timezone)


def parse_realtime(ctx: SourceContext, pages: list[Page]) -> RealtimeBatch:
    return realtime_batch(_locations(ctx, pages))


FAMILY = Family(
    name='chargecloud',
    fetch_static=fetch_static,
    parse_static=parse_static,
    fetch_realtime=fetch_realtime,
    parse_realtime=parse_realtime,
)
