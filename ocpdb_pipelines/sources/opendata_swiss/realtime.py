"""opendata_swiss realtime: `{EVSEStatuses: [{OperatorID, EVSEStatusRecord: [{EvseID, EVSEStatus}]}]}`.

An operator block whose records are all "Unknown" (or that is empty) has no live data and is left
out, so its EVSEs keep STATIC. Records carry no timestamp: the store uses the apply time.
"""

from __future__ import annotations

from ocpdb_pipelines.model.enums import EvseStatus
from ocpdb_pipelines.model.updates import EvseRealtimeUpdate
from ocpdb_pipelines.sources.base import RealtimeBatch, skip
from ocpdb_pipelines.sources.opendata_swiss.parse import blocks

STATUS = {
    'Available': EvseStatus.AVAILABLE,
    'Unknown': EvseStatus.UNKNOWN,
    'OutOfService': EvseStatus.OUTOFORDER,
    'Occupied': EvseStatus.CHARGING,
    'Reserved': EvseStatus.RESERVED,
    'EvseNotFound': EvseStatus.UNKNOWN,
}


def parse(body: bytes) -> RealtimeBatch:
    batch = RealtimeBatch(updates=[])
    for block in blocks(body, 'EVSEStatuses', 'EVSEStatusRecord'):
        records = block['EVSEStatusRecord']
        if all(isinstance(r, dict) and r.get('EVSEStatus') == 'Unknown' for r in records):
            continue
        for record in records:
            evse_id = record.get('EvseID') if isinstance(record, dict) else None
            status = STATUS.get(record.get('EVSEStatus')) if isinstance(record, dict) else None
            if not isinstance(evse_id, str) or not evse_id.strip() or len(evse_id) > 64:
                batch.skipped.append(skip(f'status record {record!r}', 'EvseID missing or invalid'))
            elif status is None:
                batch.skipped.append(skip(f'EVSE {evse_id}', f'unknown EVSEStatus {record.get("EVSEStatus")!r}'))
            else:
                batch.updates.append(EvseRealtimeUpdate(uid=evse_id, evse_id=evse_id, status=status))
    return batch
