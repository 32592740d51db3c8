"""Realtime DATEX II status (3.5 and 3.7): site -> station -> refill point status (predecessor §6.2).

STATIC EVSEs are left out, and so are stations and sites left without any EVSE.
"""

from __future__ import annotations

from typing import Any

from ocpdb_pipelines.exports.datex2 import wire
from ocpdb_pipelines.exports.datex2.common import iso, zulu


def _reference(uid: str, version: str) -> dict[str, str]:
    return {'targetClass': 'FacilityObject', 'idG': uid, 'versionG': version}


def site_status(row: dict[str, Any], version: str) -> dict[str, Any] | None:
    stamp = zulu if version == '3.7' else iso
    location = row['location']
    stations = []
    for station in row['stations']:
        points = []
        for evse in station['evses']:
            status = wire.EVSE_STATUS.get(evse['status'])
            if status is None:  # STATIC: this source never delivers a live status
                continue
            points.append(
                {
                    'aegiRefillPointStatus': {
                        'reference': _reference(evse['uid'], iso(evse['last_updated'])),
                        'lastUpdated': stamp(evse.get('status_last_updated') or evse['last_updated']),
                        'status': {'value': status},
                    }
                }
            )
        if points:
            stations.append(
                {'reference': _reference(station['uid'], iso(station['last_updated'])), 'refillPointStatus': points}
            )
    if not stations:
        return None
    return {
        'reference': _reference(location['uid'], iso(location['last_updated'])),
        'lastUpdated': stamp(location['last_updated']),
        'energyInfrastructureStationStatus': stations,
    }
