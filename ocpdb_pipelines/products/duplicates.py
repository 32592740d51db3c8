"""Cross-source duplicates: the same EVSEs (or the same site) delivered by two live sources are linked, and
one record leads.

Rule `same_evse_ids`: a live location F is a duplicate of a location L of another live source when every
EVSE id (eMI3, compared upper case without '*', '-', ' ') of F is also an EVSE id of L. Of all such L the
leader is the one that ranks highest by (number of EVSE ids, number of EVSEs with a live status, lowest
location id): the fuller record leads, then the one with more realtime, then the one OCPDB knew first.
The top-ranked candidate is never a follower itself (a higher-ranked superset of it would be a candidate
of F too), so links never chain. Partial overlaps are not linked by this rule (they are counted).

Rule `same_site` (products/duplicate_sites): of what is left, two live locations of different sources that
the site score (matching/site_score) puts at the same physical site; same leader rule, never chained.

The follower's `location.dynamic_location_id` points at the leader, so the existing `filter_duplicates`
of tiles hides it; `location_duplicate` keeps the provenance (rule, score, evidence). BNetzA register links
(matching) are left alone: this job only touches locations of live sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ocpdb_pipelines.matching.service import STATIC_SOURCES
from ocpdb_pipelines.products.duplicate_sites import site_links

RULE = 'same_evse_ids'

RESULT_TABLE_SQL = """
CREATE TEMP TABLE duplicate_result (
    follower bigint PRIMARY KEY, leader bigint NOT NULL, rule varchar(32) NOT NULL, score double precision NOT NULL,
    shared_evse_ids integer NOT NULL, evidence jsonb NOT NULL
) ON COMMIT DROP
"""

LINKS_SQL = """
INSERT INTO duplicate_result (follower, leader, rule, score, shared_evse_ids, evidence)
WITH ids AS (
    SELECT l.id AS location_id, l.source, upper(translate(e.evse_id, '* -', '')) AS evse_id
    FROM location l JOIN charging_station cs ON cs.location_id = l.id JOIN evse e ON e.charging_station_id = cs.id
    WHERE e.evse_id IS NOT NULL AND translate(e.evse_id, '* -', '') <> '' AND l.source <> ALL(%(static)s)
    GROUP BY 1, 2, 3
), ranked AS (
    SELECT i.location_id, i.source, count(*) AS n,
           (SELECT count(*) FROM charging_station cs JOIN evse e ON e.charging_station_id = cs.id
            WHERE cs.location_id = i.location_id AND e.status NOT IN ('STATIC', 'UNKNOWN')) AS live
    FROM ids i GROUP BY 1, 2
), shared AS (
    SELECT a.location_id AS follower, b.location_id AS leader, count(*) AS shared
    FROM ids a JOIN ids b ON b.evse_id = a.evse_id AND b.source <> a.source
    GROUP BY 1, 2
)
SELECT DISTINCT ON (s.follower) s.follower, s.leader, %(rule)s, 1.0, s.shared,
       jsonb_build_object('follower_source', rf.source, 'leader_source', rl.source,
                          'follower_evse_ids', rf.n, 'leader_evse_ids', rl.n)
FROM shared s JOIN ranked rf ON rf.location_id = s.follower JOIN ranked rl ON rl.location_id = s.leader
WHERE s.shared = rf.n AND (rl.n, rl.live, -rl.location_id) > (rf.n, rf.live, -rf.location_id)
ORDER BY s.follower, rl.n DESC, rl.live DESC, rl.location_id
"""

PARTIAL_SQL = """
SELECT count(DISTINCT a.location_id) AS n
FROM (SELECT l.id AS location_id, l.source, upper(translate(e.evse_id, '* -', '')) AS evse_id
      FROM location l JOIN charging_station cs ON cs.location_id = l.id JOIN evse e ON e.charging_station_id = cs.id
      WHERE e.evse_id IS NOT NULL AND l.source <> ALL(%(static)s)) a
JOIN (SELECT l.id AS location_id, l.source, upper(translate(e.evse_id, '* -', '')) AS evse_id
      FROM location l JOIN charging_station cs ON cs.location_id = l.id JOIN evse e ON e.charging_station_id = cs.id
      WHERE e.evse_id IS NOT NULL AND l.source <> ALL(%(static)s)) b
  ON b.evse_id = a.evse_id AND b.source <> a.source
WHERE a.location_id NOT IN (SELECT follower FROM duplicate_result)
  AND a.location_id NOT IN (SELECT leader FROM duplicate_result)
"""


@dataclass
class DuplicateReport:
    linked: int = 0
    links_set: int = 0
    links_cleared: int = 0
    partial_overlaps: int = 0
    site_candidate_pairs: int = 0
    site_pairs_above_threshold: int = 0
    site_id_conflicts: int = 0
    linked_by_rule: dict[str, int] | None = None
    pairs_by_sources: dict[str, int] | None = None

    def metadata(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _add_site_links(cur: psycopg.Cursor, report: DuplicateReport) -> None:
    id_leaders = {r['leader'] for r in cur.execute('SELECT DISTINCT leader FROM duplicate_result')}
    sites = site_links(cur.connection, list(STATIC_SOURCES), id_leaders)
    report.site_candidate_pairs = sites.candidate_pairs
    report.site_pairs_above_threshold = sites.pairs_above_threshold
    report.site_id_conflicts = sites.id_conflicts
    cur.executemany(
        'INSERT INTO duplicate_result (follower, leader, rule, score, shared_evse_ids, evidence) '
        'VALUES (%(follower)s, %(leader)s, %(rule)s, %(score)s, %(shared_evse_ids)s, %(evidence)s)',
        [{**link, 'evidence': Jsonb(link['evidence'])} for link in sites.links],
    )


def link_duplicates(conn: psycopg.Connection) -> DuplicateReport:
    """Recompute every cross-source link among live sources in one transaction."""
    report = DuplicateReport()
    params = {'static': list(STATIC_SOURCES), 'rule': RULE}
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        cur.execute(RESULT_TABLE_SQL)
        cur.execute(LINKS_SQL, params)
        _add_site_links(cur, report)
        cur.execute('ANALYZE duplicate_result')  # temporary tables get no statistics otherwise
        report.linked = cur.execute('SELECT count(*) AS n FROM duplicate_result').fetchone()['n']
        report.partial_overlaps = cur.execute(PARTIAL_SQL, params).fetchone()['n']
        report.linked_by_rule = {
            r['rule']: r['n']
            for r in cur.execute('SELECT rule, count(*) AS n FROM duplicate_result GROUP BY 1 ORDER BY 1')
        }
        report.pairs_by_sources = {
            r['pair']: r['n']
            for r in cur.execute(
                "SELECT evidence->>'follower_source' || ' -> ' || (evidence->>'leader_source') AS pair, count(*) AS n "
                'FROM duplicate_result GROUP BY 1 ORDER BY 1'
            )
        }
        cur.execute(
            'DELETE FROM location_duplicate d WHERE NOT EXISTS (SELECT 1 FROM duplicate_result r '
            'WHERE r.follower = d.location_id AND r.leader = d.duplicate_of AND r.rule = d.rule)'
        )
        cur.execute(
            """
            INSERT INTO location_duplicate (location_id, duplicate_of, rule, score, shared_evse_ids, evidence)
            SELECT follower, leader, rule, score, shared_evse_ids, evidence FROM duplicate_result
            ON CONFLICT (location_id) DO UPDATE SET score = EXCLUDED.score, shared_evse_ids = EXCLUDED.shared_evse_ids,
                evidence = EXCLUDED.evidence
            WHERE location_duplicate.score IS DISTINCT FROM EXCLUDED.score
               OR location_duplicate.shared_evse_ids IS DISTINCT FROM EXCLUDED.shared_evse_ids
               OR location_duplicate.evidence IS DISTINCT FROM EXCLUDED.evidence
            """
        )
        cur.execute(
            """
            UPDATE location l SET dynamic_location_id = r.leader, dynamic_location_probability = r.score
            FROM duplicate_result r
            WHERE l.id = r.follower AND (l.dynamic_location_id IS DISTINCT FROM r.leader
                                         OR l.dynamic_location_probability IS DISTINCT FROM r.score)
            """
        )
        report.links_set = cur.rowcount
        cur.execute(
            """
            UPDATE location l SET dynamic_location_id = NULL, dynamic_location_probability = NULL
            WHERE l.source <> ALL(%(static)s) AND l.dynamic_location_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM duplicate_result r WHERE r.follower = l.id)
            """,
            params,
        )
        report.links_cleared = cur.rowcount
        if report.links_set or report.links_cleared:
            cur.execute('UPDATE data_version SET version = version + 1, changed_at = now()')
    return report
