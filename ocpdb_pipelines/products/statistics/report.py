"""A day's availability as Markdown, for the asset's metadata in the Dagster UI (which renders Markdown)."""

from __future__ import annotations

from ocpdb_pipelines.products.statistics.availability import SourceDay

BARS = '▁▂▃▄▅▆▇█'


def sparkline(values: list[float | None]) -> str:
    """One character per value in 0..1; '·' where there is no known time."""
    return ''.join('·' if v is None else BARS[min(len(BARS) - 1, int(v * len(BARS)))] for v in values)


def _pct(value: float) -> str:
    return f'{value * 100:.1f} %'


def markdown(days: list[SourceDay]) -> str:
    lines = [
        '| source | EVSEs | available | occupied | out of service | unknown | no data | occupancy by hour 0–23 |',
        '|---|---:|---:|---:|---:|---:|---:|---|',
    ]
    for day in days:
        s = day.shares()
        lines.append(
            f'| {day.source} | {day.evses} | {_pct(s["available"])} | {_pct(s["occupied"])} | '
            f'{_pct(s["out_of_service"])} | {_pct(s["unknown"])} | {_pct(s["no_data"])} | '
            f'`{sparkline(day.occupancy_by_hour())}` |'
        )
    lines.append('')
    lines.append(
        'Shares of EVSE-time of the local day (Europe/Berlin). *No data*: before an EVSE was first seen, or after '
        'its source stopped delivering. Occupancy (charging, blocked, reserved) is per hour over the time with a '
        'known status; `·` = no known time in that hour.'
    )
    return '\n'.join(lines)


def total(days: list[SourceDay]) -> SourceDay | None:
    """All sources together (for the partition's headline numbers)."""
    if not days:
        return None
    statuses: dict[str, int] = {}
    for day in days:
        for status, seconds in day.status_seconds.items():
            statuses[status] = statuses.get(status, 0) + seconds
    return SourceDay(
        source='all',
        evses=sum(d.evses for d in days),
        seconds=sum(d.seconds for d in days),
        no_data=sum(d.no_data for d in days),
        status_seconds=statuses,
        known_by_hour=[sum(h) for h in zip(*(d.known_by_hour for d in days), strict=True)],
        occupied_by_hour=[sum(h) for h in zip(*(d.occupied_by_hour for d in days), strict=True)],
    )
