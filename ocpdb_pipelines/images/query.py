"""The statements of the image download: which images are due, and the stamp of the downloaded ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg


@dataclass(frozen=True)
class DueImage:
    id: int
    external_url: str
    type: str | None


def due_images(conn: psycopg.Connection, source_uid: str | None = None) -> list[DueImage]:
    """Images never downloaded or changed since; with a source, only those its objects link to."""
    source_filter = ''
    params: dict[str, Any] = {}
    if source_uid is not None:
        params['source'] = source_uid
        source_filter = """
          AND i.id IN (
            SELECT li.image_id FROM location_image li
            JOIN location l ON l.id = li.location_id WHERE l.source = %(source)s
            UNION
            SELECT ci.image_id FROM charging_station_image ci
            JOIN charging_station cs ON cs.id = ci.charging_station_id
            JOIN location l ON l.id = cs.location_id WHERE l.source = %(source)s
            UNION
            SELECT ei.image_id FROM evse_image ei
            JOIN evse e ON e.id = ei.evse_id
            JOIN charging_station cs ON cs.id = e.charging_station_id
            JOIN location l ON l.id = cs.location_id WHERE l.source = %(source)s
            UNION
            SELECT b.logo_id FROM business b
            JOIN location l ON b.id IN (l.operator_id, l.suboperator_id, l.owner_id)
            WHERE l.source = %(source)s AND b.logo_id IS NOT NULL
          )"""
    rows = conn.execute(
        f"""
        SELECT i.id, i.external_url, i.type FROM image i
        WHERE (i.last_download IS NULL OR i.last_download < i.modified)
          AND btrim(i.external_url) <> ''{source_filter}
        ORDER BY i.id
        """,
        params,
    ).fetchall()
    return [DueImage(id=row['id'], external_url=row['external_url'], type=row['type']) for row in rows]


def record_downloads(conn: psycopg.Connection, done: list[tuple[int, str | None]]) -> None:
    """Stamp `last_download` in one statement; fill `type` where the download told us a better one."""
    if not done:
        return
    conn.execute(
        """
        UPDATE image i SET last_download = now(), type = COALESCE(d.type, i.type)
        FROM unnest(%s::bigint[], %s::text[]) AS d(id, type)
        WHERE i.id = d.id
        """,
        ([image_id for image_id, _ in done], [new_type for _, new_type in done]),
    )
