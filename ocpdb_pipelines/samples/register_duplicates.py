"""Register entries for live locations: what makes BNetzA matching visible in the demo.

In reality most operators report their public chargers to the Bundesnetzagentur too, so the register
holds duplicates of the live feeds, a few metres off and spelled a little differently. The demo adds
such entries for some of the live locations it imported, so `matching/bnetza` has real work to do.
"""

from __future__ import annotations

import copy
import random
import re
from pathlib import Path
from typing import Any

import orjson
import psycopg

_HOUSE_NUMBER = re.compile(r'^(?P<street>.+?)\s+(?P<number>\d+\S*)$')


def live_locations(conn: psycopg.Connection, limit: int) -> list[dict[str, Any]]:
    return conn.execute(
        """
        SELECT l.lat, l.lon, l.address, l.postal_code, l.city, b.name AS operator,
               (SELECT count(*) FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
                WHERE cs.location_id = l.id) AS evses
        FROM location l JOIN business b ON b.id = l.operator_id
        WHERE l.source NOT LIKE 'bnetza%%' AND l.country = 'DEU' AND l.address IS NOT NULL
        ORDER BY l.id LIMIT %s
        """,
        (limit,),
    ).fetchall()


def add_register_duplicates(path: Path, live: list[dict[str, Any]], seed: int = 1) -> int:
    """Append one register installation per live location to the API payload at `path`."""
    document = orjson.loads(path.read_bytes())
    stations = document['chargingStations']
    template = next(s for s in stations if s['status']['operational'] == 'In Betrieb' and s['evses'])
    rng = random.Random(seed)
    next_id = max(s['id'] for s in stations) + 1
    for offset, location in enumerate(live):
        record = copy.deepcopy(template)
        match = _HOUSE_NUMBER.match(location['address'])
        street, number = (match['street'], match['number']) if match else (location['address'], '0')
        record.update(
            id=next_id + offset,
            # 5 to 40 m away, as register coordinates usually are
            coordinates={
                'latitude': round(float(location['lat']) + rng.uniform(-0.00035, 0.00035), 6),
                'longitude': round(float(location['lon']) + rng.uniform(-0.00035, 0.00035), 6),
            },
            street=street.replace('straße', 'str.') if rng.random() < 0.3 else street,
            house_no=number,
            postal_code=location['postal_code'] or template['postal_code'],
            city=location['city'] or template['city'],
            operator={'companyName': location['operator']},
            evses=[copy.deepcopy(template['evses'][0]) for _ in range(max(1, int(location['evses'])))],
        )
        stations.append(record)
    path.write_bytes(orjson.dumps(document))
    return len(live)
