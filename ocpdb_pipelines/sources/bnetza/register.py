"""The BNetzA register grouped by coordinates, turned straight into staging rows (no per-object models).

Both register layouts (API JSON, Excel) are tables of installations. Building a pydantic model for each
of their ~800,000 locations, stations, EVSEs and connectors and then flattening the models back into
rows cost 15 s of a 40 s import (bench/RESULTS-bnetza.md, issue 13). The parsers here validate each
installation as before and keep plain column values; `Register.staged` applies the coordinate screen
and yields exactly the rows `store.staging.Flattener` makes of the equivalent models: a repeated
location uid replaces the earlier location with its children, a repeated child key replaces the
earlier child. Rows are built by column name, so they follow the staging tables' column lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ocpdb_pipelines.model.updates import SkippedRecord
from ocpdb_pipelines.quality.coordinates import NULL_ISLAND, OUTSIDE, SWAPPED, CoordinateScreen
from ocpdb_pipelines.store.staging import (
    BUSINESS_COLUMNS,
    CONNECTOR_COLUMNS,
    EVSE_COLUMNS,
    LOCATION_COLUMNS,
    STATION_COLUMNS,
    StagedRows,
)

Values = dict[str, Any]


@dataclass
class EvseRows:
    uid: str
    values: Values  # stg_evse columns besides the keys
    connectors: list[tuple[str, Values]]  # (connector uid, stg_connector columns besides the keys)


@dataclass
class StationRows:
    uid: str
    values: Values  # stg_station columns besides the keys
    evses: list[EvseRows]


@dataclass
class _Group:
    location: Values | None  # stg_location columns (uid, lat, lon, operator_name, ...); None when invalid
    invalid: SkippedRecord | None
    stations: list[StationRows] = field(default_factory=list)


class _RowMaker:
    """Rows of one staging table from column values by name: a template copied, the given values placed."""

    def __init__(self, columns: list[tuple[str, str]], **defaults: Any) -> None:
        self.position = {name: i for i, (name, _) in enumerate(columns)}
        self.template = [defaults.get(name) for name, _ in columns]
        self._shared: dict[int, tuple[Values, list[Any]]] = {}

    def row(self, values: Values, **keys: Any) -> tuple:
        row = self.template.copy()
        position = self.position
        for name, value in values.items():
            row[position[name]] = value
        for name, value in keys.items():
            row[position[name]] = value
        return tuple(row)

    def row_of_shared(self, values: Values, **keys: Any) -> tuple:
        """As `row`, for a values dict many rows share (the template with it placed is kept)."""
        cached = self._shared.get(id(values))
        if cached is None:
            cached = self._shared[id(values)] = (values, list(self.row(values)))
        row = cached[1].copy()
        position = self.position
        for name, value in keys.items():
            row[position[name]] = value
        return tuple(row)


@dataclass
class Register:
    """Installations grouped by a key (their coordinates); a `TabularSnapshot` for the import."""

    country: str = 'DEU'
    groups: dict[Any, _Group] = field(default_factory=dict)

    def add(
        self, key: Any, location: Callable[[], Values], reference: Callable[[Exception], SkippedRecord],
        station: StationRows,
    ) -> None:  # fmt: skip
        """Add one installation; `location` makes the location's columns when the key is new.

        An error from `location` (a ValidationError as the model raises it, or a malformed part such as an
        opening day without its times) skips the whole location with every installation at its key;
        `reference` turns it into the skipped record.
        """
        group = self.groups.get(key)
        if group is None:
            try:
                group = _Group(location=location(), invalid=None)
            except (ValidationError, KeyError, TypeError) as exc:
                group = _Group(location=None, invalid=reference(exc))
            self.groups[key] = group
        group.stations.append(station)

    def append(self, key: Any, station: StationRows) -> bool:
        """Add one installation to the group already at `key`; False (nothing added) when the key is new."""
        group = self.groups.get(key)
        if group is None:
            return False
        group.stations.append(station)
        return True

    def staged(self, screen: CoordinateScreen, skipped: list[SkippedRecord]) -> StagedRows:
        groups, self.groups = self.groups, {}
        located = []
        for group in groups.values():
            if group.location is None:
                skipped.append(group.invalid)
            else:
                located.append(group)
        verdicts = screen.screen_points(
            [g.location['uid'] for g in located],
            [g.location['lat'] for g in located],
            [g.location['lon'] for g in located],
            [g.location.get('country') for g in located],
            skipped,
        )
        final: dict[str, _Group] = {}
        operators: dict[str, None] = {}  # of every location kept, a replaced one's too (as Flattener)
        swapped: list[_Group] = []
        for group, verdict in zip(located, verdicts, strict=True):
            if verdict in (OUTSIDE, NULL_ISLAND):
                continue
            if group.location.get('operator_name') is not None:
                operators[group.location['operator_name']] = None
            if verdict == SWAPPED:
                group.location['lat'], group.location['lon'] = group.location['lon'], group.location['lat']
                swapped.append(group)
            uid = group.location['uid']
            final.pop(uid, None)  # a repeated location uid replaces the earlier location and its children
            final[uid] = group
        _join_real_places(final, swapped)
        return _rows(final, operators)


def _join_real_places(final: dict[str, _Group], swapped: list[_Group]) -> None:
    """A group whose axes were swapped back joins the location already at its real coordinates.

    The register makes one location of the installations at one place; a swapped installation is grouped
    by its wrong coordinates first, so without this it would stay a location of its own beside the one it
    belongs to.
    """
    if not swapped:
        return
    moved = {id(group) for group in swapped}
    at_place = {
        (group.location['lat'], group.location['lon']): group for group in final.values() if id(group) not in moved
    }
    for group in swapped:
        target = at_place.get((group.location['lat'], group.location['lon']))
        if target is not None and final.get(group.location['uid']) is group:
            target.stations.extend(group.stations)
            del final[group.location['uid']]


def _rows(final: dict[str, _Group], operators: dict[str, None]) -> StagedRows:
    rows = StagedRows()
    tables = rows.tables
    locations, stations, evses = tables['stg_location'], tables['stg_station'], tables['stg_evse']
    connectors, businesses = tables['stg_connector'], tables['stg_business']
    location_row = _RowMaker(LOCATION_COLUMNS, images_given=False).row
    station_row = _RowMaker(STATION_COLUMNS).row
    evse_row = _RowMaker(EVSE_COLUMNS, images_given=False).row
    connector_row = _RowMaker(CONNECTOR_COLUMNS).row_of_shared
    for uid, group in final.items():
        locations[uid] = location_row(group.location)
        for station in group.stations:
            station_uid = station.uid
            stations[(uid, station_uid)] = station_row(station.values, location_uid=uid, uid=station_uid)
            for evse in station.evses:
                key = (uid, station_uid, evse.uid)
                evses[key] = evse_row(evse.values, location_uid=uid, station_uid=station_uid, uid=evse.uid)
                for connector_uid, values in evse.connectors:
                    connectors[(*key, connector_uid)] = connector_row(
                        values, location_uid=uid, station_uid=station_uid, evse_uid=evse.uid, uid=connector_uid
                    )
    business_row = _RowMaker(BUSINESS_COLUMNS).row
    for name in operators:
        businesses[name] = business_row({}, name=name)
    return rows
