"""Images and businesses from the staging tables: shared by every source, upserted by their natural key."""

from __future__ import annotations

import psycopg


def apply_images_and_businesses(conn: psycopg.Connection) -> None:
    """Upsert `stg_image` by URL and `stg_business` by name (a business's logo resolved through its URL)."""
    conn.execute(
        """
        INSERT INTO image (external_url, category, type, width, height)
        SELECT external_url, category::imagecategory, type, width, height FROM stg_image
        ON CONFLICT (external_url) DO UPDATE SET
            category = EXCLUDED.category, type = EXCLUDED.type, width = EXCLUDED.width,
            height = EXCLUDED.height, modified = now()
        WHERE (image.category, image.type, image.width, image.height)
            IS DISTINCT FROM (EXCLUDED.category, EXCLUDED.type, EXCLUDED.width, EXCLUDED.height)
        """
    )
    conn.execute(
        """
        INSERT INTO business (name, website, emobility_uid, logo_id)
        SELECT s.name, s.website, s.emobility_uid, i.id
        FROM stg_business s LEFT JOIN image i ON i.external_url = s.logo_url
        ON CONFLICT (name) DO UPDATE SET
            website = EXCLUDED.website, emobility_uid = EXCLUDED.emobility_uid,
            logo_id = COALESCE(EXCLUDED.logo_id, business.logo_id), modified = now()
        WHERE (business.website, business.emobility_uid, business.logo_id)
            IS DISTINCT FROM (EXCLUDED.website, EXCLUDED.emobility_uid, COALESCE(EXCLUDED.logo_id, business.logo_id))
        """
    )
