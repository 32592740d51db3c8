"""Building images in the database (through the real static store) and image bytes for the tests."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from ocpdb_pipelines.model.enums import ImageCategory
from ocpdb_pipelines.model.updates import (
    BusinessUpdate,
    ChargingStationUpdate,
    EvseUpdate,
    ImageUpdate,
    LocationUpdate,
)
from ocpdb_pipelines.sources.registry import get_spec
from ocpdb_pipelines.store.static import apply_static

PNG = b'\x89PNG\r\n\x1a\n' + b'\x00\x00\x00\rIHDR' + bytes(64)
JPEG = b'\xff\xd8\xff\xe0' + bytes(64)
GIF = b'GIF89a' + bytes(32)


def image(url: str, type_: str | None = 'png') -> ImageUpdate:
    return ImageUpdate(external_url=url, type=type_, category=ImageCategory.CHARGER)


def location(
    uid: str,
    *,
    images: list[ImageUpdate] | None = None,
    evse_images: list[ImageUpdate] | None = None,
    logo: ImageUpdate | None = None,
) -> LocationUpdate:
    evse = EvseUpdate(uid=f'{uid}-E1', images=evse_images)
    return LocationUpdate(
        uid=uid,
        lat=Decimal('48.77'),
        lon=Decimal('9.18'),
        name=f'Location {uid}',
        images=images,
        operator=BusinessUpdate(name=f'Operator {uid}', logo=logo) if logo else None,
        charging_pool=[ChargingStationUpdate(uid=f'{uid}-S1', evses=[evse])],
    )


def store(conn: psycopg.Connection, uid: str, locations: list[LocationUpdate]) -> None:
    with conn.transaction():
        apply_static(conn, get_spec(uid), locations, shrink_guard_min_existing=10**9)


def image_rows(conn: psycopg.Connection) -> dict[str, dict]:
    rows = conn.execute('SELECT id, external_url, type, last_download, modified FROM image ORDER BY id').fetchall()
    return {row['external_url']: row for row in rows}
