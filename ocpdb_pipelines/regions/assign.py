"""Give German locations the 12-digit regional key of the municipality that contains them.

One UPDATE for all candidates: the polygon is found through the GiST index on `regionalschluessel.geom`.
Existing codes are kept unless `re_assign`; a point in no municipality (a border, the sea, abroad)
keeps whatever it had. Only country DEU is supported, as in the predecessor.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import tuple_row

from ocpdb_pipelines.store.statistics import analyze_changed

SUPPORTED_COUNTRIES = ('DEU',)

_ASSIGN_SQL = """
WITH candidate AS (
    SELECT l.id, l.geometry
    FROM location l
    WHERE l.country = ANY(%(countries)s)
      AND (%(re_assign)s OR l.official_region_code IS NULL)
      AND (%(source)s::text IS NULL OR l.source = %(source)s::text)
),
found AS (
    SELECT c.id, r.regional_code
    FROM candidate c
    CROSS JOIN LATERAL (
        SELECT regional_code FROM regionalschluessel r
        WHERE ST_Contains(r.geom, c.geometry)
        ORDER BY r.regional_code
        LIMIT 1
    ) r
),
updated AS (
    UPDATE location l SET official_region_code = f.regional_code
    FROM found f
    WHERE l.id = f.id AND l.official_region_code IS DISTINCT FROM f.regional_code
    RETURNING l.id
)
SELECT (SELECT count(*) FROM candidate), (SELECT count(*) FROM found), (SELECT count(*) FROM updated)
"""


@dataclass
class AssignReport:
    regions_available: bool
    candidates: int = 0
    found: int = 0
    updated: int = 0

    @property
    def unresolved(self) -> int:
        return self.candidates - self.found


def regions_available(conn: psycopg.Connection) -> bool:
    cur = conn.cursor(row_factory=tuple_row)
    return bool(cur.execute('SELECT EXISTS (SELECT 1 FROM regionalschluessel)').fetchone()[0])


def assign_region_codes(
    conn: psycopg.Connection, source_uid: str | None = None, re_assign: bool = False
) -> AssignReport:
    """Assign codes set-based; returns how many locations were looked at, resolved and changed."""
    with conn.transaction():
        if not regions_available(conn):
            return AssignReport(regions_available=False)
        cur = conn.cursor(row_factory=tuple_row)
        params = {'countries': list(SUPPORTED_COUNTRIES), 're_assign': re_assign, 'source': source_uid}
        candidates, found, updated = cur.execute(_ASSIGN_SQL, params).fetchone()
        if updated:
            cur.execute('UPDATE data_version SET version = version + 1, changed_at = now()')
            analyze_changed(conn, {'location': updated})
    return AssignReport(regions_available=True, candidates=candidates, found=found, updated=updated)


GERMAN_COVERAGE_SQL = (
    'SELECT count(*) FILTER (WHERE official_region_code IS NULL) AS missing, count(*) AS total '
    "FROM location WHERE country = 'DEU'"
)


def german_code_coverage(conn: psycopg.Connection) -> dict[str, int]:
    """German locations without a regional code (`missing`) of all of them (`total`)."""
    row = conn.execute(GERMAN_COVERAGE_SQL).fetchone()
    return {'missing': row['missing'], 'total': row['total']}
