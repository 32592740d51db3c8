"""BNetzA Ladesäulenregister XLSX -> locations (spec/sources.md §3.4).

Rows 1-10 are prose, row 11 holds the 33 headers (checked: a different layout fails the run),
data starts at row 12. Rows at the same coordinates form one location whose uid is a hash of the
coordinates; each filled plug slot of a row is one EVSE. Read with calamine (Rust), which handles
the 120,000-row register in seconds where openpyxl takes minutes.
"""

from __future__ import annotations

import functools
import hashlib
import io
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from python_calamine import CalamineError, CalamineWorkbook

from ocpdb_pipelines.model.enums import ChargingRateUnit, EvseStatus
from ocpdb_pipelines.model.updates import SkippedRecord, quantize_coordinate
from ocpdb_pipelines.quality.coordinates import CoordinateScreen
from ocpdb_pipelines.sources.base import PayloadError, StaticBatch, skip
from ocpdb_pipelines.sources.bnetza import vocabulary
from ocpdb_pipelines.sources.bnetza.register import EvseRows, Register, StationRows, Values

HEADER_ROW = 10  # 0-based: row 11
SLOTS = 6
HEADERS = [
    'Betreiber',
    'Anzeigename (Karte)',
    'Straße',
    'Hausnummer',
    'Adresszusatz',
    'Postleitzahl',
    'Ort',
    'Kreis/kreisfreie Stadt',
    'Bundesland',
    'Breitengrad',
    'Längengrad',
    'Inbetriebnahmedatum',
    'Nennleistung Ladeeinrichtung [kW]',
    'Art der Ladeeinrichung',
    'Anzahl Ladepunkte',
] + [name for n in range(1, SLOTS + 1) for name in (f'Steckertypen{n}', f'P{n} [kW]', f'Public Key{n}')]
INSTALLATION_TYPES = {'Normalladeeinrichtung', 'Schnellladeeinrichtung'}


class RowError(ValueError):
    pass


def read_rows(body: bytes) -> list[list[Any]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(body))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise PayloadError(f'BNetzA register is not a readable XLSX workbook: {exc}') from exc
    if len(rows) <= HEADER_ROW:
        raise PayloadError('BNetzA register has no header row 11')
    header = [str(cell).strip() for cell in rows[HEADER_ROW][: len(HEADERS)]]
    if header != HEADERS:
        differing = next((i for i, (a, b) in enumerate(zip(header, HEADERS, strict=False)) if a != b), len(header))
        raise PayloadError(
            f'BNetzA register row 11 does not hold the expected headers (first difference at column '
            f'{differing + 1}: expected {HEADERS[differing]!r})'
        )
    return rows[HEADER_ROW + 1 :]


def parse(bodies: list[bytes], screen: CoordinateScreen | None = None) -> StaticBatch:
    skipped: list[SkippedRecord] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        rows: list[Any] = read_rows(body)
        for offset, row in enumerate(rows):
            rows[offset] = None  # drop each sheet row once validated, so the models reuse its memory
            index = offset + HEADER_ROW + 2
            if all(cell in ('', None) for cell in row):
                continue  # trailing blank rows are not records
            try:
                record = _validate(row)
            except (RowError, ValueError, TypeError, IndexError) as exc:
                skipped.append(skip(f'row {index}', str(exc)))
                continue
            record['row'] = index
            groups.setdefault(record['uid'], []).append(record)
        del rows
    if screen is not None:
        _merge_swapped(groups, screen)
    return StaticBatch(locations=[], skipped=skipped, tabular=_register(groups, skipped))


def _merge_swapped(groups: dict[str, list[dict[str, Any]]], screen: CoordinateScreen) -> None:
    """Rows with swapped axes move to their real coordinates, joining the rows there if any: the sheet's rows
    at one place are one location with one station, so the swap must be undone before that grouping."""
    uids = list(groups)
    for index in screen.swapped([(groups[uid][0]['lat'], groups[uid][0]['lon']) for uid in uids]):
        records = groups.pop(uids[index])
        for record in records:
            record['lat'], record['lon'] = record['lon'], record['lat']
            record['uid'] = _uid(record['lat'], record['lon'])
        groups.setdefault(records[0]['uid'], []).extend(records)


def _register(groups: dict[str, list[dict[str, Any]]], skipped: list[SkippedRecord]) -> Register:
    """One location per coordinate group, with one station holding an EVSE per filled plug slot of its rows."""
    register = Register()
    operators: dict[str, str | ValidationError] = {}
    connectors: dict[tuple[Any, ...], Values] = {}  # one validated connector per plug, power and date
    for uid in list(groups):
        records = groups.pop(uid)
        reference = functools.partial(_invalid_location, records[0]['row'])
        try:
            station = _station(uid, records, skipped, connectors)
        except ValidationError as exc:
            skipped.append(reference(exc))
            continue
        register.add(uid, functools.partial(_location, uid, records[0], operators), reference, station)
    return register


def _invalid_location(row: int, exc: Exception) -> SkippedRecord:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return skip(f'row {row}', f'invalid {first["loc"]}: {first["msg"]}')
    return skip(f'row {row}', str(exc) or type(exc).__name__)


def _text(value: Any, name: str, *, required: bool = True) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = ' '.join(str(value).split()) if value not in (None, '') else ''
    if required and not text:
        raise RowError(f'{name} is empty')
    return text or None


def _decimal(value: Any, name: str, *, required: bool = True) -> Decimal | None:
    if value in (None, ''):
        if required:
            raise RowError(f'{name} is empty')
        return None
    try:
        number = Decimal(str(value).strip().replace(',', '.'))
    except InvalidOperation:
        raise RowError(f'{name} {value!r} is not a number') from None
    if not number.is_finite():
        raise RowError(f'{name} {value!r} is not a number')
    return number


def _commissioned(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), '%d.%m.%Y').replace(tzinfo=UTC)
        except ValueError:
            pass
    raise RowError(f'Inbetriebnahmedatum {value!r} is not a date')


def _uid(lat: Decimal, lon: Decimal) -> str:
    """The location of every installation at these coordinates."""
    return hashlib.sha256(f'{lat}-{lon}'.encode()).hexdigest()[:20]


def _validate(row: list[Any]) -> dict[str, Any]:
    row = list(row) + [''] * (len(HEADERS) - len(row))
    lat = _decimal(row[9], 'Breitengrad') or Decimal(0)
    lon = _decimal(row[10], 'Längengrad') or Decimal(0)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise RowError(f'coordinates {lat}, {lon} out of range')
    kind = _text(row[13], 'Art der Ladeeinrichung')
    if kind not in INSTALLATION_TYPES:
        raise RowError(f'unknown Art der Ladeeinrichung {kind!r}')
    slots = []
    for n in range(SLOTS):
        types_cell = row[15 + 3 * n]
        names = [part.strip() for part in str(types_cell or '').replace(',', ';').split(';') if part.strip()]
        slots.append((n + 1, names, _decimal(row[16 + 3 * n], f'P{n + 1} [kW]', required=False)))
    return {
        'uid': _uid(lat, lon),
        'operator': _text(row[0], 'Betreiber'),
        'street': _text(row[2], 'Straße'),
        'house_no': _text(row[3], 'Hausnummer', required=False),
        'postal_code': _text(row[5], 'Postleitzahl'),
        'city': _text(row[6], 'Ort'),
        'district': _text(row[7], 'Kreis/kreisfreie Stadt'),
        'state': _text(row[8], 'Bundesland'),
        'lat': lat,
        'lon': lon,
        'commissioned': _commissioned(row[11]),
        'rated_power': _decimal(row[12], 'Nennleistung Ladeeinrichtung [kW]'),
        'points': int(_decimal(row[14], 'Anzahl Ladepunkte') or 0),
        'slots': slots,
    }


def _station(
    uid: str, rows: list[dict[str, Any]], skipped: list[SkippedRecord], shared: dict[tuple[Any, ...], Values]
) -> StationRows:
    first = rows[0]
    evses = []
    for line, record in enumerate(rows):
        commissioned = record['commissioned']
        for n, names, kilowatt in record['slots']:
            if not names:
                continue
            evse_uid = f'BNETZA*{uid}*{line}*{n}'
            connectors = []
            for j, name in enumerate(names):
                try:
                    mapped = vocabulary.plug(name)
                except KeyError:
                    skipped.append(skip(f'row {record["row"]} slot {n}', f'unknown plug type {name!r}'))
                    continue
                if mapped is None:
                    continue
                standard, connector_format = mapped
                # a slot without P<n> still has its plugs; power then comes from the type defaults
                watt = vocabulary.watt(standard, float(kilowatt)) if kilowatt is not None else None
                values = vocabulary.connector_values(
                    shared, standard=standard, format=connector_format, max_electric_power=watt,
                    last_updated=commissioned,
                )  # fmt: skip
                connectors.append((f'{uid}-{line}-{n}-{j}', values))
            evse = {'evse_id': evse_uid, 'status': EvseStatus.STATIC.value, 'last_updated': commissioned}
            evses.append(EvseRows(uid=evse_uid, values=evse, connectors=connectors))
    values: Values = {
        'last_updated': first['commissioned'],
        'go_live_date': first['commissioned'].date(),
        'max_power_unit': ChargingRateUnit.KW.value,
        'max_power_value': float(first['rated_power']),
    }
    return StationRows(uid=uid, values=values, evses=evses)


def _location(uid: str, first: dict[str, Any], operators: dict[str, str | ValidationError]) -> Values:
    address = vocabulary.join_address(first['street'], first['house_no'])
    return {
        'uid': uid,
        'lat': quantize_coordinate(first['lat']),
        'lon': quantize_coordinate(first['lon']),
        'address': address[:255] if address else address,
        'postal_code': first['postal_code'][:255],
        'city': first['city'][:255],
        'state': first['state'][:255],
        'country': 'DEU',
        'time_zone': 'Europe/Berlin',
        'operator_name': vocabulary.operator_name(operators, first['operator']),
        'last_updated': first['commissioned'],
    }
