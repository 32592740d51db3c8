"""What the map page needs once on load: source attributions, the filter choices, whether VG25 is loaded."""

from __future__ import annotations

from typing import Any

from ocpdb_api.db import Resources

# operators offered in the filter: the ones with the most locations (the select stays usable)
MAX_OPERATORS = 300

SOURCES_SQL = """
SELECT s.uid, s.name, s.public_url, s.attribution_license AS license,
       s.attribution_contributor AS contributor, s.attribution_url AS url,
       (SELECT count(*) FROM location l WHERE l.source = s.uid) AS locations,
       -- when the source last confirmed its statuses (as in the tiles' staleness, migration 0040)
       GREATEST(s.realtime_data_updated_at, s.static_data_updated_at,
                (SELECT max(f.checked_at) FROM fetch_state f WHERE f.source_uid = s.uid)) AS confirmed_at
  FROM source s
 ORDER BY lower(COALESCE(s.name, s.uid)), s.uid
"""
OPERATORS_SQL = """
SELECT b.id, b.name, o.locations
  FROM (SELECT operator_id, count(*) AS locations FROM location WHERE operator_id IS NOT NULL
         GROUP BY operator_id ORDER BY count(*) DESC LIMIT %s) o
  JOIN business b ON b.id = o.operator_id
 ORDER BY lower(b.name)
"""
STANDARDS_SQL = """
SELECT standard::text AS standard, count(DISTINCT evse_id) AS evses
  FROM connector WHERE standard IS NOT NULL GROUP BY standard ORDER BY count(DISTINCT evse_id) DESC
"""
REGIONS_SQL = 'SELECT max(imported_at) AS imported_at FROM regionalschluessel_import'


async def map_config(res: Resources) -> dict[str, Any]:
    sources = await res.fetch(SOURCES_SQL)
    operators = await res.fetch(OPERATORS_SQL, (MAX_OPERATORS,))
    standards = await res.fetch(STANDARDS_SQL)
    regions = await res.fetchone(REGIONS_SQL)
    imported_at = regions['imported_at'] if regions else None
    return {
        'sources': [dict(row) for row in sources],
        'operators': [dict(row) for row in operators],
        'connector_standards': [dict(row) for row in standards],
        'regions_imported_at': imported_at.isoformat() if imported_at else None,
    }


async def regions_stamp(res: Resources) -> int:
    """Changes with every VG25 import: the boundary tiles' ETag."""
    row = await res.fetchone(
        'SELECT COALESCE(extract(epoch FROM max(imported_at))::bigint, 0) AS stamp FROM regionalschluessel_import'
    )
    return int(row['stamp']) if row else 0
