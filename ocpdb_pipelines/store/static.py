"""Apply a full static snapshot of one source (predecessor §7.2 semantics), set-based.

Everything runs inside the caller's transaction. Flattening the models into rows is CPU work and
happens before it (`flatten`, called by the import ahead of the transaction), so the transaction
holds its locks only for the SQL: rows are COPYed into staging tables, then each
level (businesses, images, locations, stations, EVSEs, connectors, tariffs) is updated where its
content differs, inserted where new and deleted where it vanished, in a handful of statements.
Unchanged rows are not written, so re-importing an unchanged payload touches almost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import psycopg

from ocpdb_pipelines.model.updates import LocationUpdate
from ocpdb_pipelines.store import first_import
from ocpdb_pipelines.store.businesses import apply_images_and_businesses
from ocpdb_pipelines.store.errors import ShrinkGuardError
from ocpdb_pipelines.store.sources import bump_data_version, ensure_source
from ocpdb_pipelines.store.staging import Flattener, StagedRows, stage
from ocpdb_pipelines.store.statistics import analyze_changed
from ocpdb_pipelines.store.upsert_columns import (
    ASSOCIATION_KEPT,
    ASSOCIATION_REPLACED,
    CONNECTOR_REPLACED,
    EVSE_KEPT,
    EVSE_REPLACED,
    LOCATION_KEPT,
    LOCATION_REPLACED,
    STATION_KEPT,
    STATION_REPLACED,
    TARIFF_KEPT,
    TARIFF_REPLACED,
)

if TYPE_CHECKING:
    from ocpdb_pipelines.sources.registry import SourceSpec


@dataclass
class LevelCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


@dataclass
class StaticResult:
    locations: LevelCounts = field(default_factory=LevelCounts)
    stations: LevelCounts = field(default_factory=LevelCounts)
    evses: LevelCounts = field(default_factory=LevelCounts)
    connectors: LevelCounts = field(default_factory=LevelCounts)
    tariffs: LevelCounts = field(default_factory=LevelCounts)
    statuses_changed: int = 0
    incoming_locations: int = 0
    copied_first: bool = False  # written by the first import's COPY path, not the set-based one

    @property
    def changed(self) -> bool:
        levels = (self.locations, self.stations, self.evses, self.connectors, self.tariffs)
        return any(c.inserted or c.updated or c.deleted for c in levels) or self.statuses_changed > 0

    def rows_changed(self) -> dict[str, int]:
        """Rows written per table (for store/statistics.py)."""

        def total(c: LevelCounts) -> int:
            return c.inserted + c.updated + c.deleted

        return {
            'location': total(self.locations),
            'charging_station': total(self.stations),
            'evse': total(self.evses) + self.statuses_changed,
            'connector': total(self.connectors),
            'tariff': total(self.tariffs),
            'evse_status_history': self.statuses_changed,
        }

    def as_metadata(self) -> dict[str, int]:
        flat: dict[str, int] = {}
        for name in ('locations', 'stations', 'evses', 'connectors', 'tariffs'):
            for key, value in asdict(getattr(self, name)).items():
                flat[f'{name}_{key}'] = value
        flat['statuses_changed'] = self.statuses_changed
        flat['incoming_locations'] = self.incoming_locations
        flat['copied_first'] = int(self.copied_first)
        return flat


def _upsert(
    conn: psycopg.Connection,
    *,
    table: str,
    staging: str,
    match: str,
    replaced: dict[str, str],
    kept: dict[str, tuple[str, str]],
    fixed: dict[str, str],
    params: dict,
) -> tuple[int, int]:
    """UPDATE rows whose content differs, then INSERT the new ones; returns (updated, inserted).

    `match` joins target `t` to staging `s`; `fixed` are insert-only columns (keys, parents).
    `last_updated` is the update's value, or now() when the content changed and the source gave none.
    """
    new_values = {**replaced, **{col: exprs[0] for col, exprs in kept.items()}}
    targets = ', '.join(f't.{col}' for col in new_values)
    sources = ', '.join(new_values.values())
    set_clause = ',\n'.join(f'{col} = {expr}' for col, expr in new_values.items())
    update_sql = f"""
        UPDATE {table} t SET
            {set_clause},
            last_updated = COALESCE(s.last_updated, now()),
            modified = now()
        FROM {staging} s
        WHERE {match}
          AND (({targets}) IS DISTINCT FROM ({sources})
               OR (s.last_updated IS NOT NULL AND s.last_updated > t.last_updated))
    """
    updated = conn.execute(update_sql, params).rowcount
    insert_values = {**fixed, **replaced, **{col: exprs[1] for col, exprs in kept.items()}}
    columns = ', '.join(insert_values)
    expressions = ', '.join(insert_values.values())
    insert_sql = f"""
        INSERT INTO {table} ({columns}, last_updated)
        SELECT {expressions}, COALESCE(s.last_updated, now())
        FROM {staging} s
        WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})
    """
    inserted = conn.execute(insert_sql, params).rowcount
    return updated, inserted


def _upsert_in_source(
    conn: psycopg.Connection,
    table: str,
    staging: str,
    replaced: dict[str, str],
    kept: dict[str, tuple[str, str]],
    params: dict,
) -> tuple[int, int]:
    """`_upsert` of a table keyed by (source, uid): locations and tariffs."""
    return _upsert(
        conn,
        table=table,
        staging=staging,
        match='t.source = %(src)s::text AND t.uid = s.uid',
        replaced=replaced,
        kept=kept,
        fixed={'source': '%(src)s::text', 'uid': 's.uid'},
        params=params,
    )


def flatten(locations: Iterable[LocationUpdate]) -> StagedRows:
    """The staging rows of a snapshot: pure CPU, no connection; call it before opening the transaction."""
    return Flattener().add_all(locations)


def apply_static(
    conn: psycopg.Connection,
    spec: SourceSpec,
    locations: Iterable[LocationUpdate] | StagedRows,
    *,
    shrink_guard_ratio: float = 0.5,
    shrink_guard_min_existing: int = 20,
    force: bool = False,
    snapshot: bool = True,
    copy_first: bool = True,
) -> StaticResult:
    """Make the database hold exactly this snapshot of the source. Runs in the caller's transaction.

    With `snapshot=False` (pushed single locations, e.g. giro-e PUT) the given locations are upserted
    and nothing else of the source is deleted: no vanished locations, no unreferenced tariffs.
    `locations` may be flattened already (`flatten`), which keeps that CPU work out of the transaction.
    A snapshot of a source with nothing stored is COPYed straight into the tables (`store/first_import.py`);
    `copy_first=False` takes the set-based path anyway (the tests compare the two).
    """
    result = StaticResult()
    params = {'src': spec.uid}
    staged = locations if isinstance(locations, StagedRows) else flatten(locations)
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('ocpdb-source:' || %s))", (spec.uid,))
    ensure_source(conn, spec)

    result.incoming_locations = staged.count('stg_location')
    existing = conn.execute('SELECT count(*) AS n FROM location WHERE source = %s', (spec.uid,)).fetchone()['n']
    if (
        snapshot
        and not force
        and existing >= shrink_guard_min_existing
        and result.incoming_locations < existing * shrink_guard_ratio
    ):
        raise ShrinkGuardError(
            f'source {spec.uid}: the payload holds {result.incoming_locations} locations but '
            f'{existing} are stored; applying it would delete '
            f'{existing - result.incoming_locations} of them. Refusing (shrink guard, ratio '
            f'{shrink_guard_ratio}); re-run with force to apply anyway.'
        )
    if snapshot and copy_first and existing == 0 and first_import.applies(conn, spec.uid, staged):
        _copy_first_import(conn, spec, staged, result)
    else:
        _apply_set_based(conn, staged, result, params, snapshot=snapshot)
    if result.changed:
        bump_data_version(conn)
        analyze_changed(conn, result.rows_changed())
    return result


def _copy_first_import(conn: psycopg.Connection, spec: SourceSpec, staged: StagedRows, result: StaticResult) -> None:
    """Nothing of the source is stored: COPY its rows straight in (`store/first_import.py`)."""
    written = first_import.copy_first_import(conn, spec.uid, staged)
    result.copied_first = True
    result.locations.inserted = written['location']
    result.stations.inserted = written['charging_station']
    result.evses.inserted = written['evse']
    result.connectors.inserted = written['connector']
    result.statuses_changed = written['evse_status_history']


def _apply_set_based(
    conn: psycopg.Connection, staged: StagedRows, result: StaticResult, params: dict, *, snapshot: bool
) -> None:
    """Stage the rows, then update, insert and delete level by level where the stored rows differ."""
    stage(conn, staged)
    apply_images_and_businesses(conn)
    _apply_locations(conn, result, params, snapshot=snapshot)
    _reconcile(conn, _STATIONS, result.stations, params)
    _reconcile(conn, _EVSES, result.evses, params)
    _record_status_history(conn, result)
    _reconcile(conn, _CONNECTORS, result.connectors, params)
    _apply_image_links(conn)
    _apply_tariffs(conn, result, params, snapshot=snapshot)
    _chain_last_updated(conn)


def _apply_locations(conn: psycopg.Connection, result: StaticResult, params: dict, *, snapshot: bool) -> None:
    conn.execute(
        """
        CREATE TEMPORARY TABLE stg_location_resolved ON COMMIT DROP AS
        SELECT s.*, op.id AS operator_id, sub.id AS suboperator_id, ow.id AS owner_id
        FROM stg_location s
        LEFT JOIN business op ON op.name = s.operator_name
        LEFT JOIN business sub ON sub.name = s.suboperator_name
        LEFT JOIN business ow ON ow.name = s.owner_name
        """
    )
    conn.execute('CREATE INDEX ON stg_location_resolved (uid)')
    if snapshot:
        result.locations.deleted = _delete_vanished_locations(conn, params)
    result.locations.updated, result.locations.inserted = _upsert_in_source(
        conn, 'location', 'stg_location_resolved', LOCATION_REPLACED, LOCATION_KEPT, params
    )
    conn.execute(
        """
        CREATE TEMPORARY TABLE map_location ON COMMIT DROP AS
        SELECT t.id, t.uid FROM location t JOIN stg_location s ON s.uid = t.uid WHERE t.source = %(src)s::text
        """,
        params,
    )
    conn.execute('CREATE UNIQUE INDEX ON map_location (uid)')
    conn.execute('ANALYZE map_location')


def _delete_vanished_locations(conn: psycopg.Connection, params: dict) -> int:
    return conn.execute(
        """
        DELETE FROM location t WHERE t.source = %(src)s::text
          AND NOT EXISTS (SELECT 1 FROM stg_location s WHERE s.uid = t.uid)
        """,
        params,
    ).rowcount


@dataclass(frozen=True)
class _ChildLevel:
    """One level below the location, reconciled by uid within its parent."""

    table: str
    staging: str
    parent_column: str
    parent_map: str  # temp table (id, natural key) of the parent level
    parent_join: str  # joins parent map `m` to staging `s`
    replaced: dict[str, str]
    kept: dict[str, tuple[str, str]]
    own_map: str | None = None  # temp table this level leaves for its children
    own_map_columns: str = ''
    own_map_key: str = ''


_STATIONS = _ChildLevel(
    'charging_station',
    'stg_station',
    'location_id',
    'map_location',
    'm.uid = s.location_uid',
    STATION_REPLACED,
    STATION_KEPT,
    'map_station',
    'm.uid AS location_uid, t.uid',
    'location_uid, uid',
)
_EVSES = _ChildLevel(
    'evse',
    'stg_evse',
    'charging_station_id',
    'map_station',
    'm.location_uid = s.location_uid AND m.uid = s.station_uid',
    EVSE_REPLACED,
    EVSE_KEPT,
    'map_evse',
    'm.location_uid, m.uid AS station_uid, t.uid',
    'location_uid, station_uid, uid',
)
_CONNECTORS = _ChildLevel(
    'connector',
    'stg_connector',
    'evse_id',
    'map_evse',
    'm.location_uid = s.location_uid AND m.station_uid = s.station_uid AND m.uid = s.evse_uid',
    CONNECTOR_REPLACED,
    {},
)


def _reconcile(conn: psycopg.Connection, level: _ChildLevel, counts: LevelCounts, params: dict) -> None:
    """Resolve staging rows to their parents, delete vanished children, upsert the rest, map the result."""
    resolved = f'{level.staging}_resolved'
    parent = level.parent_column
    conn.execute(
        f'CREATE TEMPORARY TABLE {resolved} ON COMMIT DROP AS '
        f'SELECT m.id AS {parent}, s.* FROM {level.staging} s JOIN {level.parent_map} m ON {level.parent_join}'
    )
    conn.execute(f'CREATE INDEX ON {resolved} ({parent}, uid)')
    counts.deleted = conn.execute(
        f"""
        DELETE FROM {level.table} t USING {level.parent_map} m
        WHERE t.{parent} = m.id
          AND NOT EXISTS (SELECT 1 FROM {resolved} s WHERE s.{parent} = t.{parent} AND s.uid = t.uid)
        """
    ).rowcount
    counts.updated, counts.inserted = _upsert(
        conn,
        table=level.table,
        staging=resolved,
        match=f't.{parent} = s.{parent} AND t.uid = s.uid',
        replaced=level.replaced,
        kept=level.kept,
        fixed={parent: f's.{parent}', 'uid': 's.uid'},
        params=params,
    )
    if level.own_map:
        conn.execute(
            f'CREATE TEMPORARY TABLE {level.own_map} ON COMMIT DROP AS '
            f'SELECT t.id, {level.own_map_columns} FROM {level.table} t JOIN {level.parent_map} m ON m.id = t.{parent}'
        )
        conn.execute(f'CREATE UNIQUE INDEX ON {level.own_map} ({level.own_map_key})')
        conn.execute(f'ANALYZE {level.own_map}')


def _record_status_history(conn: psycopg.Connection, result: StaticResult) -> None:
    """History of live status changes seen in this transaction (STATIC is not a live status)."""
    result.statuses_changed = conn.execute(
        """
        INSERT INTO evse_status_history (evse_id, status, source_timestamp, observed_at)
        SELECT e.id, e.status, e.status_last_updated, now()
        FROM evse e JOIN map_evse m ON m.id = e.id
        WHERE e.status_observed_at = now() AND e.status <> 'STATIC'
        """
    ).rowcount


def _apply_image_links(conn: psycopg.Connection) -> None:
    """Image lists given in the update replace the stored links; a None list keeps them."""
    conn.execute(
        """
        DELETE FROM location_image li USING map_location m, stg_location s
        WHERE li.location_id = m.id AND s.uid = m.uid AND s.images_given
          AND NOT EXISTS (SELECT 1 FROM stg_location_image x JOIN image i ON i.external_url = x.external_url
                          WHERE x.location_uid = m.uid AND i.id = li.image_id)
        """
    )
    conn.execute(
        """
        INSERT INTO location_image (location_id, image_id)
        SELECT m.id, i.id FROM stg_location_image x
        JOIN map_location m ON m.uid = x.location_uid JOIN image i ON i.external_url = x.external_url
        ON CONFLICT DO NOTHING
        """
    )
    conn.execute(
        """
        DELETE FROM evse_image ei USING map_evse m, stg_evse s
        WHERE ei.evse_id = m.id AND s.location_uid = m.location_uid AND s.station_uid = m.station_uid
          AND s.uid = m.uid AND s.images_given
          AND NOT EXISTS (SELECT 1 FROM stg_evse_image x JOIN image i ON i.external_url = x.external_url
                          WHERE x.location_uid = m.location_uid AND x.station_uid = m.station_uid
                            AND x.evse_uid = m.uid AND i.id = ei.image_id)
        """
    )
    conn.execute(
        """
        INSERT INTO evse_image (evse_id, image_id)
        SELECT m.id, i.id FROM stg_evse_image x
        JOIN map_evse m ON m.location_uid = x.location_uid AND m.station_uid = x.station_uid AND m.uid = x.evse_uid
        JOIN image i ON i.external_url = x.external_url
        ON CONFLICT DO NOTHING
        """
    )


def _apply_tariffs(conn: psycopg.Connection, result: StaticResult, params: dict, *, snapshot: bool) -> None:
    """Tariffs and associations are scoped to the source and upserted by uid."""
    result.tariffs.updated, result.tariffs.inserted = _upsert_in_source(
        conn, 'tariff', 'stg_tariff', TARIFF_REPLACED, TARIFF_KEPT, params
    )
    conn.execute(
        """
        CREATE TEMPORARY TABLE stg_association_resolved ON COMMIT DROP AS
        SELECT s.*, tr.id AS tariff_id
        FROM stg_association s JOIN tariff tr ON tr.source = %(src)s::text AND tr.uid = s.tariff_uid
        """,
        params,
    )
    _upsert_in_source(
        conn, 'tariff_association', 'stg_association_resolved', ASSOCIATION_REPLACED, ASSOCIATION_KEPT, params
    )
    # an EVSE's association list is replaced by the update's list
    conn.execute(
        """
        CREATE TEMPORARY TABLE stg_evse_tariff_resolved ON COMMIT DROP AS
        SELECT me.id AS evse_id, ta.id AS tariff_association_id
        FROM stg_evse_tariff x
        JOIN map_evse me ON me.location_uid = x.location_uid AND me.station_uid = x.station_uid
                        AND me.uid = x.evse_uid
        JOIN tariff_association ta ON ta.source = %(src)s::text AND ta.uid = x.association_uid
        """,
        params,
    )
    conn.execute(
        """
        DELETE FROM evse_tariff_association eta USING map_evse me
        WHERE eta.evse_id = me.id
          AND NOT EXISTS (SELECT 1 FROM stg_evse_tariff_resolved r
                          WHERE r.evse_id = eta.evse_id AND r.tariff_association_id = eta.tariff_association_id)
        """
    )
    conn.execute(
        """
        INSERT INTO evse_tariff_association (evse_id, tariff_association_id)
        SELECT evse_id, tariff_association_id FROM stg_evse_tariff_resolved ON CONFLICT DO NOTHING
        """
    )
    if not snapshot:
        return
    conn.execute(
        """
        DELETE FROM tariff_association t WHERE t.source = %(src)s::text
          AND NOT EXISTS (SELECT 1 FROM stg_association s WHERE s.uid = t.uid)
        """,
        params,
    )
    result.tariffs.deleted = conn.execute(
        """
        DELETE FROM tariff t WHERE t.source = %(src)s::text
          AND NOT EXISTS (SELECT 1 FROM stg_tariff s WHERE s.uid = t.uid)
        """,
        params,
    ).rowcount


def delete_locations(conn: psycopg.Connection, spec: SourceSpec, uids: list[str]) -> int:
    """Delete named locations of a source (pushed deletions); returns how many existed."""
    deleted = conn.execute('DELETE FROM location WHERE source = %s AND uid = ANY(%s)', (spec.uid, uids)).rowcount
    if deleted:
        bump_data_version(conn)
    return deleted


def _chain_last_updated(conn: psycopg.Connection) -> None:
    """A station is as fresh as its freshest EVSE, a location as its freshest station."""
    conn.execute(
        """
        UPDATE charging_station cs SET last_updated = m.newest
        FROM (SELECT e.charging_station_id, max(e.last_updated) AS newest
              FROM evse e JOIN map_evse me ON me.id = e.id GROUP BY e.charging_station_id) m
        WHERE cs.id = m.charging_station_id AND m.newest > cs.last_updated
        """
    )
    conn.execute(
        """
        UPDATE location l SET last_updated = m.newest
        FROM (SELECT cs.location_id, max(cs.last_updated) AS newest
              FROM charging_station cs JOIN map_station ms ON ms.id = cs.id GROUP BY cs.location_id) m
        WHERE l.id = m.location_id AND m.newest > l.last_updated
        """
    )
