"""Share of time in each status and occupancy by hour of day, per EVSE and local day, in one SQL statement.

How time is attributed (honest about gaps):
- the history stores a row only when a status changed; a status holds from its observation until the next
  one of the same EVSE (the status carried into the day is the last one before midnight);
- it holds no longer than its source kept delivering: after the source's last successful realtime update
  (plus `GRACE`) the time is *no data*, as is the time before an EVSE's first observation;
- UNKNOWN is a status the source reported, counted as such, and neither available nor occupied;
- occupancy per hour = occupied seconds / seconds with a known status (not UNKNOWN, not no data), so a
  gap never reads as "available".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import psycopg

TIME_ZONE = 'Europe/Berlin'
GRACE = timedelta(minutes=15)
OCCUPIED = ('CHARGING', 'BLOCKED', 'RESERVED')
AVAILABLE = ('AVAILABLE',)
OUT_OF_SERVICE = ('INOPERATIVE', 'OUTOFORDER')

COMPUTE_SQL = """
WITH bounds AS (
    SELECT (%(day)s::date)::timestamp AT TIME ZONE %(tz)s AS day_start,
           (%(day)s::date + 1)::timestamp AT TIME ZONE %(tz)s AS day_end
), candidates AS (  -- EVSEs with any observation up to the end of the day
    SELECT DISTINCT h.evse_id FROM evse_status_history h, bounds b WHERE h.observed_at < b.day_end
), observations AS (
    SELECT h.evse_id, h.status::text AS status, h.observed_at
    FROM evse_status_history h, bounds b
    WHERE h.observed_at >= b.day_start AND h.observed_at < b.day_end
    UNION ALL
    SELECT c.evse_id, carried.status::text, b.day_start
    FROM candidates c CROSS JOIN bounds b
    CROSS JOIN LATERAL (
        SELECT h.status FROM evse_status_history h
        WHERE h.evse_id = c.evse_id AND h.observed_at < b.day_start
        ORDER BY h.observed_at DESC LIMIT 1
    ) carried
), evses AS (
    SELECT e.id AS evse_id, e.uid AS evse_uid, l.id AS location_id, l.source, op.name AS operator,
           -- a status holds until the source stopped delivering (NULL: never delivered: no data at all)
           s.realtime_data_updated_at + %(grace)s::interval AS alive_until
    FROM candidates c JOIN evse e ON e.id = c.evse_id
    JOIN charging_station cs ON cs.id = e.charging_station_id JOIN location l ON l.id = cs.location_id
    JOIN source s ON s.uid = l.source LEFT JOIN business op ON op.id = l.operator_id
), intervals AS (
    SELECT o.evse_id, o.status, o.observed_at AS t0,
           LEAST(LEAD(o.observed_at, 1, b.day_end) OVER (PARTITION BY o.evse_id ORDER BY o.observed_at),
                 coalesce(ev.alive_until, o.observed_at), b.day_end) AS t1
    FROM observations o JOIN evses ev USING (evse_id) CROSS JOIN bounds b
), hours AS (
    SELECT h0, h0 + interval '1 hour' AS h1, extract(hour FROM h0 AT TIME ZONE %(tz)s)::int AS hour
    FROM bounds b, generate_series(b.day_start, b.day_end - interval '1 hour', interval '1 hour') AS h0
), pieces AS (  -- each interval cut at hour boundaries
    SELECT i.evse_id, i.status, hr.hour,
           extract(epoch FROM LEAST(i.t1, hr.h1) - GREATEST(i.t0, hr.h0)) AS seconds
    FROM intervals i JOIN hours hr ON i.t0 < hr.h1 AND i.t1 > hr.h0
    WHERE i.t1 > i.t0
), by_status AS (
    SELECT evse_id, jsonb_object_agg(status, seconds) AS status_seconds, sum(seconds) AS covered
    FROM (SELECT evse_id, status, round(sum(seconds))::int AS seconds FROM pieces GROUP BY 1, 2) s
    GROUP BY 1
), by_hour AS (
    SELECT p.evse_id,
           array_agg(coalesce(k.known, 0) ORDER BY hr.hour) AS known,
           array_agg(coalesce(k.occupied, 0) ORDER BY hr.hour) AS occupied
    FROM (SELECT DISTINCT evse_id FROM pieces) p CROSS JOIN generate_series(0, 23) AS hr(hour)
    LEFT JOIN (
        SELECT evse_id, hour,
               round(sum(seconds) FILTER (WHERE status <> 'UNKNOWN'))::int AS known,
               round(sum(seconds) FILTER (WHERE status = ANY(%(occupied)s)))::int AS occupied
        FROM pieces GROUP BY 1, 2
    ) k ON k.evse_id = p.evse_id AND k.hour = hr.hour
    GROUP BY p.evse_id
)
INSERT INTO evse_availability_daily (day, evse_id, evse_uid, location_id, source, operator, day_seconds,
                                     status_seconds, no_data_seconds, known_seconds_by_hour,
                                     occupied_seconds_by_hour)
SELECT %(day)s::date, ev.evse_id, ev.evse_uid, ev.location_id, ev.source, ev.operator,
       extract(epoch FROM b.day_end - b.day_start)::int,
       coalesce(s.status_seconds, '{}'::jsonb),
       extract(epoch FROM b.day_end - b.day_start)::int - coalesce(s.covered, 0),
       coalesce(h.known, array_fill(0, ARRAY[24])), coalesce(h.occupied, array_fill(0, ARRAY[24]))
FROM evses ev CROSS JOIN bounds b
LEFT JOIN by_status s USING (evse_id) LEFT JOIN by_hour h USING (evse_id)
"""

SUMMARY_SQL = """
WITH d AS (
    SELECT * FROM evse_availability_daily WHERE day = %(day)s
), totals AS (
    SELECT source, count(*) AS evses, sum(day_seconds)::bigint AS seconds, sum(no_data_seconds)::bigint AS no_data
    FROM d GROUP BY source
), statuses AS (
    SELECT source, jsonb_object_agg(status, seconds) AS status_seconds FROM (
        SELECT d.source, s.key AS status, sum(s.value::numeric)::bigint AS seconds
        FROM d, jsonb_each_text(d.status_seconds) s GROUP BY 1, 2
    ) x GROUP BY source
), hours AS (
    SELECT source, array_agg(known ORDER BY hour) AS known, array_agg(occupied ORDER BY hour) AS occupied FROM (
        SELECT d.source, k.hour, sum(k.known)::bigint AS known, sum(k.occupied)::bigint AS occupied
        FROM d, unnest(d.known_seconds_by_hour, d.occupied_seconds_by_hour) WITH ORDINALITY AS k(known, occupied, hour)
        GROUP BY 1, 2
    ) x GROUP BY source
)
SELECT t.*, coalesce(s.status_seconds, '{}') AS status_seconds, h.known, h.occupied
FROM totals t LEFT JOIN statuses s USING (source) LEFT JOIN hours h USING (source)
ORDER BY source
"""


@dataclass(frozen=True)
class SourceDay:
    """One source's EVSE-seconds of one day, by status and by hour."""

    source: str
    evses: int
    seconds: int
    no_data: int
    status_seconds: dict[str, int]
    known_by_hour: list[int]
    occupied_by_hour: list[int]

    def _sum(self, statuses: tuple[str, ...]) -> int:
        return sum(self.status_seconds.get(s, 0) for s in statuses)

    def shares(self) -> dict[str, float]:
        """Shares of the whole day: they add up to 1 (other = PLANNED, REMOVED, ...)."""
        parts = {
            'available': self._sum(AVAILABLE),
            'occupied': self._sum(OCCUPIED),
            'out_of_service': self._sum(OUT_OF_SERVICE),
            'unknown': self.status_seconds.get('UNKNOWN', 0),
            'no_data': self.no_data,
        }
        parts['other'] = self.seconds - sum(parts.values())
        return {k: round(v / self.seconds, 4) if self.seconds else 0.0 for k, v in parts.items()}

    def occupancy_by_hour(self) -> list[float | None]:
        return [round(o / k, 4) if k else None for o, k in zip(self.occupied_by_hour, self.known_by_hour, strict=True)]


def compute_day(conn: psycopg.Connection, day: date) -> int:
    """Recompute one day's statistics (replacing what was there); returns the number of EVSE rows."""
    with conn.transaction():
        conn.execute('DELETE FROM evse_availability_daily WHERE day = %s', (day,))
        cursor = conn.execute(COMPUTE_SQL, {'day': day, 'tz': TIME_ZONE, 'grace': GRACE, 'occupied': list(OCCUPIED)})
        return cursor.rowcount


def summarize_day(conn: psycopg.Connection, day: date) -> list[SourceDay]:
    rows = conn.execute(SUMMARY_SQL, {'day': day}).fetchall()
    return [
        SourceDay(
            source=r['source'],
            evses=r['evses'],
            seconds=r['seconds'],
            no_data=r['no_data'],
            status_seconds=dict(r['status_seconds']),
            known_by_hour=list(r['known'] or [0] * 24),
            occupied_by_hour=list(r['occupied'] or [0] * 24),
        )
        for r in rows
    ]
