"""Rule `same_site`: the same physical site delivered by two live sources without (or with partial) eMI3 ids.

One query finds every pair of live locations of different sources within `SITE_RADIUS_METRES` (through the
geometry GiST index) that the `same_evse_ids` rule did not link, with the inputs of the score
(`matching.site_score`): name, address, postal code, operator, EVSE count, maximum power, and the eMI3 ids
both share. A pair whose EVSEs carry eMI3 ids of the same operator (country and party id) on both sides but
share none is two sites by the operator's own numbering: it is never linked (counted as an id conflict).

Pairs at or above `SITE_THRESHOLD` are merged into sites, best score first (then the nearer pair, then the
lower ids); a site never holds two locations of one source (a source's own two records are two sites by
its account), nor two leaders of the `same_evse_ids` rule. In every site the leader rule of `same_evse_ids`
picks the leader (a leader of that rule first, then more EVSEs, more live statuses, the lower id) and every
other member follows it directly, so links never chain; its provenance is its own pair with the leader when
that scored above the threshold, else the pair that brought it into the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ocpdb_pipelines.matching.service import DEGREES_PER_METRE
from ocpdb_pipelines.matching.site_score import SITE_RADIUS_METRES, SITE_THRESHOLD, Site, site_factors, site_score

RULE = 'same_site'

# `duplicate_result` holds the links of the eMI3 rule already: its followers are not candidates here
CANDIDATES_SQL = """
WITH near AS (
    SELECT a.id AS a, b.id AS b, ST_Distance(a.geometry::geography, b.geometry::geography) AS metres
    FROM location a
    JOIN location b  -- the GiST index on location.geometry serves this box
      ON b.geometry && ST_Expand(a.geometry, %(dlat)s / cos(radians(a.lat::float8)))
     AND b.id > a.id AND b.source <> a.source
    WHERE a.source <> ALL(%(static)s) AND b.source <> ALL(%(static)s)
      AND NOT EXISTS (SELECT 1 FROM duplicate_result r WHERE r.follower = a.id)
      AND NOT EXISTS (SELECT 1 FROM duplicate_result r WHERE r.follower = b.id)
      AND ST_DWithin(a.geometry::geography, b.geometry::geography, %(radius)s)
), ids AS (
    SELECT DISTINCT cs.location_id, upper(translate(e.evse_id, '* -', '')) AS evse_id
    FROM (SELECT a AS id FROM near UNION SELECT b FROM near) m
    JOIN charging_station cs ON cs.location_id = m.id JOIN evse e ON e.charging_station_id = cs.id
    WHERE upper(translate(e.evse_id, '* -', '')) ~ '^[A-Z]{2}[A-Z0-9]{3}E'
), shared AS (
    SELECT n.a, n.b, count(*) AS n
    FROM near n JOIN ids x ON x.location_id = n.a JOIN ids y ON y.location_id = n.b AND y.evse_id = x.evse_id
    GROUP BY 1, 2
), parties AS (  -- per location one array: joining party to party first multiplies out (EXPLAIN at 180,000)
    SELECT location_id, array_agg(DISTINCT left(evse_id, 5)) AS parties FROM ids GROUP BY 1
)
SELECT n.a, n.b, n.metres, coalesce(s.n, 0) AS shared_evse_ids, coalesce(pa.parties && pb.parties, false) AS same_party
FROM near n LEFT JOIN shared s ON s.a = n.a AND s.b = n.b
LEFT JOIN parties pa ON pa.location_id = n.a LEFT JOIN parties pb ON pb.location_id = n.b
ORDER BY n.a, n.b
"""

SITES_SQL = """
SELECT l.id, l.source, l.name, l.address, l.postal_code, op.name AS operator,
       coalesce(q.evses, 0) AS evses, coalesce(q.live, 0) AS live, q.max_power
FROM location l LEFT JOIN business op ON op.id = l.operator_id
LEFT JOIN LATERAL (
    SELECT count(DISTINCT e.id) AS evses,
           count(DISTINCT e.id) FILTER (WHERE e.status NOT IN ('STATIC', 'UNKNOWN')) AS live,
           max(c.max_electric_power) AS max_power
    FROM charging_station cs JOIN evse e ON e.charging_station_id = cs.id LEFT JOIN connector c ON c.evse_id = e.id
    WHERE cs.location_id = l.id
) q ON true
WHERE l.id = ANY(%(ids)s)
"""


@dataclass
class SiteLinks:
    candidate_pairs: int = 0
    id_conflicts: int = 0
    pairs_above_threshold: int = 0
    links: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Cluster:
    members: set[int]
    sources: set[str]
    anchors: int


def _site(row: dict[str, Any]) -> Site:
    return Site(row['name'], row['address'], row['postal_code'], row['operator'], row['evses'], row['max_power'])


def _rank(row: dict[str, Any], anchored: bool) -> tuple[int, int, int, int]:
    return (int(anchored), row['evses'], row['live'], -row['id'])


def site_links(conn: psycopg.Connection, static_sources: list[str], id_leaders: set[int]) -> SiteLinks:
    """Score, merge and orient the same-site pairs; `id_leaders` are the leaders of the eMI3 rule."""
    result = SiteLinks()
    with conn.cursor(row_factory=dict_row) as cur:
        params = {
            'static': static_sources,
            'dlat': SITE_RADIUS_METRES * DEGREES_PER_METRE,
            'radius': SITE_RADIUS_METRES,
        }
        pairs = cur.execute(CANDIDATES_SQL, params).fetchall()
        result.candidate_pairs = len(pairs)
        ids = sorted({p['a'] for p in pairs} | {p['b'] for p in pairs})
        sites = {r['id']: r for r in cur.execute(SITES_SQL, {'ids': ids})}
    scored = []
    for pair in pairs:
        if pair['same_party'] and not pair['shared_evse_ids']:
            result.id_conflicts += 1
            continue
        a, b = sites[pair['a']], sites[pair['b']]
        factors = site_factors(_site(a), _site(b), pair['metres'])
        value = site_score(factors)
        if value >= SITE_THRESHOLD:
            scored.append((value, pair, factors))
    result.pairs_above_threshold = len(scored)
    direct = {(pair['a'], pair['b']): (value, pair, factors) for value, pair, factors in scored}
    scored.sort(key=lambda s: (-s[0], s[1]['metres'], s[1]['a'], s[1]['b']))
    cluster_of: dict[int, _Cluster] = {}
    brought_by: dict[int, tuple[float, dict[str, Any], dict[str, float]]] = {}
    for value, pair, factors in scored:
        left = cluster_of.get(pair['a']) or _Cluster({pair['a']}, {sites[pair['a']]['source']}, pair['a'] in id_leaders)
        right = cluster_of.get(pair['b']) or _Cluster(
            {pair['b']}, {sites[pair['b']]['source']}, pair['b'] in id_leaders
        )
        if left is right or left.sources & right.sources or left.anchors + right.anchors > 1:
            continue
        merged = _Cluster(left.members | right.members, left.sources | right.sources, left.anchors + right.anchors)
        for member in merged.members:
            cluster_of[member] = merged
        for member in (pair['a'], pair['b']):
            brought_by.setdefault(member, (value, pair, factors))
    seen: set[int] = set()
    for cluster in cluster_of.values():
        if id(cluster) in seen:
            continue
        seen.add(id(cluster))
        leader = max(cluster.members, key=lambda m: _rank(sites[m], m in id_leaders))
        for follower in sorted(cluster.members - {leader}):
            # its own pair with the leader when that scored above the threshold, else the pair that brought it in
            value, pair, factors = direct.get((min(follower, leader), max(follower, leader))) or brought_by[follower]
            partner = pair['b'] if pair['a'] == follower else pair['a']
            result.links.append(
                {
                    'follower': follower,
                    'leader': leader,
                    'rule': RULE,
                    'score': value,
                    'shared_evse_ids': pair['shared_evse_ids'],
                    'evidence': {
                        'follower_source': sites[follower]['source'],
                        'leader_source': sites[leader]['source'],
                        'matched_with': partner,
                        'metres': round(pair['metres'], 1),
                        'factors': {k: round(v, 4) for k, v in factors.items()},
                        'follower_evses': sites[follower]['evses'],
                        'leader_evses': sites[leader]['evses'],
                    },
                }
            )
    return result
