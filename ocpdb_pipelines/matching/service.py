"""Match static BNetzA locations to live locations of every other source, set-based in PostGIS.

One query finds every (static, candidate) pair inside the predecessor's effective search box
(±500 m in latitude and longitude around the static location, through the geometry GiST index) and
brings the inputs of the score along; Python scores the pairs as they stream in; one COPY + UPDATE
writes links and scores and clears every link that no longer holds. All in one transaction.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import tuple_row

from ocpdb_pipelines.matching.score import Side, score
from ocpdb_pipelines.store.statistics import analyze_changed

STATIC_SOURCES = ('bnetza_api', 'bnetza_excel')
BOX_METRES = 500.0
# metres -> degrees of latitude on a sphere of the WGS-84 equatorial radius (as the predecessor)
DEGREES_PER_METRE = 1.0 / (2 * math.pi / 360 * 6378137.0)
SCORE_BUCKETS = (0.25, 0.5, 0.75, 0.9)

_CANDIDATES_SQL = """
WITH evse_counts AS (
    SELECT cs.location_id, count(e.id) AS n
    FROM charging_station cs JOIN evse e ON e.charging_station_id = cs.id
    GROUP BY cs.location_id
),
static AS (
    SELECT l.id, l.address, l.geometry, l.lat::float8 AS lat, l.lon::float8 AS lon, b.name AS operator,
           coalesce(ec.n, 0) AS n
    FROM location l
    LEFT JOIN business b ON b.id = l.operator_id
    LEFT JOIN evse_counts ec ON ec.location_id = l.id
    WHERE l.source = ANY(%(static_sources)s)
)
SELECT s.id, s.address, s.operator, s.n,
       d.id, d.address, db.name, coalesce(dc.n, 0),
       ST_Distance(s.geometry::geography, d.geometry::geography)
FROM static s
JOIN location d
  ON d.geometry && ST_MakeEnvelope(
         s.lon - %(dlat)s / cos(radians(s.lat)), s.lat - %(dlat)s,
         s.lon + %(dlat)s / cos(radians(s.lat)), s.lat + %(dlat)s, 4326)
 AND d.source <> ALL(%(static_sources)s)
LEFT JOIN business db ON db.id = d.operator_id
LEFT JOIN evse_counts dc ON dc.location_id = d.id
ORDER BY s.id, d.id
"""


@dataclass
class MatchReport:
    static_locations: int = 0
    candidate_pairs: int = 0
    matched: int = 0
    links_set: int = 0
    links_cleared: int = 0
    threshold: float = 0.25
    score_min: float | None = None
    score_median: float | None = None
    score_max: float | None = None
    score_histogram: dict[str, int] = field(default_factory=dict)

    def metadata(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _histogram(scores: list[float], threshold: float) -> dict[str, int]:
    """Counts of linked scores per bucket, from the threshold up to 1.0."""
    edges = [threshold, *(b for b in SCORE_BUCKETS if b > threshold), 1.0]
    histogram = {}
    for i, (low, high) in enumerate(itertools.pairwise(edges)):
        last = i == len(edges) - 2
        histogram[f'{low:.2f}-{high:.2f}'] = sum(1 for s in scores if low <= s and (s < high or last))
    return histogram


def best_matches(conn: psycopg.Connection, threshold: float) -> tuple[dict[int, tuple[int, float]], int]:
    """Score every candidate pair; return {static id: (candidate id, score)} above threshold and #pairs."""
    best: dict[int, tuple[int, float, float]] = {}
    pairs = 0
    params = {'static_sources': list(STATIC_SOURCES), 'dlat': BOX_METRES * DEGREES_PER_METRE}
    with conn.cursor(name='ocpdb_matching_candidates', row_factory=tuple_row) as cur:
        cur.itersize = 5000
        cur.execute(_CANDIDATES_SQL, params)
        for s_id, s_addr, s_op, s_n, d_id, d_addr, d_op, d_n, metres in cur:
            pairs += 1
            value = score(Side(s_addr, s_op, s_n), Side(d_addr, d_op, d_n), metres)
            if value < threshold:
                continue
            current = best.get(s_id)
            # highest score wins; ties go to the nearer candidate, then the lower id (rows come by id)
            if current is None or value > current[1] or (value == current[1] and metres < current[2]):
                best[s_id] = (d_id, value, metres)
    return {s_id: (d_id, value) for s_id, (d_id, value, _) in best.items()}, pairs


def run_matching(conn: psycopg.Connection, threshold: float = 0.25) -> MatchReport:
    """Recompute every BNetzA link in one transaction; return counts and the score distribution."""
    report = MatchReport(threshold=threshold)
    with conn.transaction():
        cur = conn.cursor(row_factory=tuple_row)
        report.static_locations = cur.execute(
            'SELECT count(*) FROM location WHERE source = ANY(%s)', (list(STATIC_SOURCES),)
        ).fetchone()[0]
        matches, report.candidate_pairs = best_matches(conn, threshold)
        cur.execute(
            'CREATE TEMP TABLE match_result (static_id bigint PRIMARY KEY, dynamic_id bigint NOT NULL, '
            'score double precision NOT NULL) ON COMMIT DROP'
        )
        with cur.copy('COPY match_result (static_id, dynamic_id, score) FROM STDIN') as copy:
            for s_id, (d_id, value) in matches.items():
                copy.write_row((s_id, d_id, value))
        cur.execute('ANALYZE match_result')  # temporary tables get no statistics otherwise
        cur.execute(
            """
            UPDATE location l SET dynamic_location_id = m.dynamic_id, dynamic_location_probability = m.score
            FROM match_result m
            WHERE l.id = m.static_id
              AND (l.dynamic_location_id IS DISTINCT FROM m.dynamic_id
                   OR l.dynamic_location_probability IS DISTINCT FROM m.score)
            """
        )
        report.links_set = cur.rowcount
        cur.execute(
            """
            UPDATE location l SET dynamic_location_id = NULL, dynamic_location_probability = NULL
            WHERE (l.dynamic_location_id IS NOT NULL OR l.dynamic_location_probability IS NOT NULL)
              AND l.source = ANY(%s)  -- live-source links are products/duplicates' (cross-source duplicates)
              AND NOT EXISTS (SELECT 1 FROM match_result m WHERE m.static_id = l.id)
            """,
            (list(STATIC_SOURCES),),
        )
        report.links_cleared = cur.rowcount
        if report.links_set or report.links_cleared:
            cur.execute('UPDATE data_version SET version = version + 1, changed_at = now()')
            analyze_changed(conn, {'location': report.links_set + report.links_cleared})
    scores = sorted(value for _, value in matches.values())
    report.matched = len(scores)
    if scores:
        report.score_min = round(scores[0], 4)
        report.score_median = round(statistics.median(scores), 4)
        report.score_max = round(scores[-1], 4)
    report.score_histogram = _histogram(scores, threshold)
    return report
