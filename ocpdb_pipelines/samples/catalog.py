"""The demo's sample payloads: one generated file per source and kind, in the order to import them.

Every file is something the source's own parser reads as one page (`replay_pages_from_file`), so the
demo runs the same code path as a live import. Statics come first (a realtime import is skipped while
its source's static import is not ACTIVE), then the realtime samples, which change EVSE statuses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ocpdb_pipelines.samples import chargecloud, datex2, giroe, goldbeck, lichtblick, ochp, ocpi, opendata_swiss

logger = logging.getLogger(__name__)

BNETZA_API_RECORDS = 300
BNETZA_EXCEL_RECORDS = 300


@dataclass(frozen=True)
class DemoPayload:
    uid: str
    kind: str  # static | realtime
    path: Path


@dataclass(frozen=True)
class _Entry:
    uid: str
    kind: str
    filename: str
    write: Callable[[Path, int], Path]


def _entries() -> list[_Entry]:
    entries: list[_Entry] = []

    def add(uid: str, kind: str, extension: str, write: Callable[[Path, int], Path]) -> None:
        entries.append(_Entry(uid, kind, f'{uid}_{kind}.{extension}', write))

    for uid in chargecloud.PUBLIC_FEEDS:
        add(uid, 'static', 'json', partial(_public, uid=uid, realtime=False))
        add(uid, 'realtime', 'json', partial(_public, uid=uid, realtime=True))
    add('chargecloud_ludwigsburg', 'static', 'json', chargecloud.write_afir)
    add('chargecloud_ludwigsburg', 'realtime', 'json', partial(_realtime, chargecloud.write_afir))
    add('ocpi_stadtnavi', 'static', 'json', ocpi.write_stadtnavi)
    add('ocpi_stadtnavi', 'realtime', 'json', partial(_realtime, ocpi.write_stadtnavi))
    add('eaaze_pbw', 'static', 'json', ocpi.write_pbw)
    add('eaaze_pbw', 'realtime', 'json', partial(_realtime, ocpi.write_pbw))
    add('opendata_swiss', 'static', 'json', opendata_swiss.write_static)
    add('opendata_swiss', 'realtime', 'json', opendata_swiss.write_realtime)
    add('heilbronn_neckarbogen', 'static', 'json', goldbeck.write_chargepoints)
    add('heilbronn_neckarbogen', 'realtime', 'json', partial(_realtime, goldbeck.write_chargepoints))
    add('lichtblick', 'static', 'json', lichtblick.write_payload)
    add('lichtblick', 'realtime', 'json', partial(_realtime, lichtblick.write_payload))
    add('giroe', 'static', 'json', giroe.write_locations)
    add('giroe', 'realtime', 'json', giroe.write_connectors)
    for uid in datex2.all_uids():
        add(uid, 'static', 'json', partial(_with_uid, datex2.write_static, uid=uid))
        add(uid, 'realtime', 'json', partial(_with_uid, datex2.write_realtime, uid=uid))
    for uid in ochp.SOURCES:
        add(uid, 'static', 'xml', partial(_with_uid, ochp.write_charge_point_list, uid=uid))
        add(uid, 'realtime', 'xml', partial(_with_uid, ochp.write_status, uid=uid))
    return entries


def _public(path: Path, seed: int, *, uid: str, realtime: bool) -> Path:
    return chargecloud.write_public(path, uid, seed, realtime=realtime)


def _realtime(write: Callable[..., Path], path: Path, seed: int) -> Path:
    return write(path, seed, realtime=True)


def _with_uid(write: Callable[[Path, str, int], Path], path: Path, seed: int, *, uid: str) -> Path:
    return write(path, uid, seed)


def _bnetza(directory: Path, seed: int) -> list[DemoPayload]:
    """The BNetzA samples come from their own generator; without it the demo still runs the other sources."""
    try:
        from ocpdb_pipelines.samples.bnetza import write_bnetza_api_json, write_bnetza_excel
        from ocpdb_pipelines.samples.vg25 import MUNICIPALITIES
    except ImportError:  # pragma: no cover - only while the BNetzA generator is missing
        logger.warning('BNetzA sample generator not available: the demo imports no BNetzA data')
        return []
    # only around the places the demo's VG25 knows, so every register entry gets its regional code
    api = write_bnetza_api_json(directory / 'bnetza_api_static.json', BNETZA_API_RECORDS, seed, places=MUNICIPALITIES)
    excel = write_bnetza_excel(
        directory / 'bnetza_excel_static.xlsx', BNETZA_EXCEL_RECORDS, seed, places=MUNICIPALITIES
    )
    return [DemoPayload('bnetza_api', 'static', Path(api)), DemoPayload('bnetza_excel', 'static', Path(excel))]


def write_demo_samples(directory: str | Path, seed: int = 1) -> list[DemoPayload]:
    """Write every demo payload into `directory` and list them: all statics (BNetzA first), then realtime."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    payloads = _bnetza(target, seed)
    entries = _entries()
    for kind in ('static', 'realtime'):
        for entry in (e for e in entries if e.kind == kind):
            path = entry.write(target / entry.filename, seed)
            payloads.append(DemoPayload(entry.uid, entry.kind, Path(path)))
    return payloads


def demo_entry(uid: str, kind: str) -> _Entry | None:
    """The generator of one source's sample of this kind (the demo's local feeds serve it per request)."""
    return next((entry for entry in _entries() if entry.uid == uid and entry.kind == kind), None)
