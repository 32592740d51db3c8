"""Plug and payment vocabularies of the BNetzA register, shared by the API and the Excel reader."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ocpdb_pipelines.model.enums import Capability, ConnectorFormat, ConnectorType, PowerType
from ocpdb_pipelines.model.updates import BusinessUpdate, ConnectorUpdate

SCHUKO_MAX_WATT = 3700

# register plug name (normalised: lower case, '-' and double spaces folded) -> (standard, format)
_PLUGS: dict[str, tuple[ConnectorType, ConnectorFormat]] = {
    'ac typ 2 steckdose': (ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET),
    'ac typ 2 fahrzeugkupplung': (ConnectorType.IEC_62196_T2, ConnectorFormat.CABLE),
    'dc fahrzeugkupplung typ combo 2 (ccs)': (ConnectorType.IEC_62196_T2_COMBO, ConnectorFormat.CABLE),
    'ac schuko': (ConnectorType.DOMESTIC_F, ConnectorFormat.SOCKET),
    'dc chademo': (ConnectorType.CHADEMO, ConnectorFormat.CABLE),
    'ac typ 1 steckdose': (ConnectorType.IEC_62196_T1, ConnectorFormat.SOCKET),
    # the predecessor fell back to Type 2 here; a Type 1 vehicle coupler is a Type 1 cable
    'ac typ 1 fahrzeugkupplung': (ConnectorType.IEC_62196_T1, ConnectorFormat.CABLE),
    'dc tesla fahrzeugkupplung (typ 2)': (ConnectorType.TESLA_S, ConnectorFormat.CABLE),
    'typ 2 / tesla': (ConnectorType.TESLA_S, ConnectorFormat.CABLE),
    'tesla': (ConnectorType.TESLA_S, ConnectorFormat.CABLE),
    'ac cee 3 polig': (ConnectorType.IEC_60309_2_single_16, ConnectorFormat.SOCKET),
    'ac cee 5 polig': (ConnectorType.IEC_60309_2_three_32, ConnectorFormat.SOCKET),
    'typ 3': (ConnectorType.IEC_62196_T3C, ConnectorFormat.SOCKET),
}
# plugs the data model cannot represent: the connector is left out (and counted)
UNMAPPABLE_PLUGS = frozenset({'kabellos/induktiv', 'dc megawatt charging system (mcs)'})

PAYMENT_CAPABILITIES: dict[str, tuple[Capability, ...]] = {
    'Kreditkarte (Lesegerät)': (Capability.CHIP_CARD_SUPPORT, Capability.CREDIT_CARD_PAYABLE),
    'Debitkarte (Lesegerät)': (Capability.CHIP_CARD_SUPPORT, Capability.DEBIT_CARD_PAYABLE),
    'Kreditkarte (NFC)': (Capability.CONTACTLESS_CARD_SUPPORT, Capability.CREDIT_CARD_PAYABLE),
    'Debitkarte (NFC)': (Capability.CONTACTLESS_CARD_SUPPORT, Capability.DEBIT_CARD_PAYABLE),
    'RFID-Karte': (Capability.RFID_READER,),
    'Kreditkarte (Webseite / App)': (Capability.REMOTE_START_STOP_CAPABLE,),
    'Debitkarte (Webseite / App)': (Capability.REMOTE_START_STOP_CAPABLE,),
    'Onlinezahlungsverfahren': (Capability.REMOTE_START_STOP_CAPABLE,),
    'Kostenlos': (),
    'Bargeld': (Capability.CASH,),
    'Kostenlos (Registrierung)': (),
    'Plug & Charge': (Capability.IEC15118,),
    'Sonstige': (),
}

WEEKDAYS = {
    'Montag': 1,
    'Dienstag': 2,
    'Mittwoch': 3,
    'Donnerstag': 4,
    'Freitag': 5,
    'Samstag': 6,
    'Sonntag': 7,
}


def normalise_plug(name: str) -> str:
    return ' '.join(name.replace('-', ' ').lower().split())


def plug(name: str) -> tuple[ConnectorType, ConnectorFormat] | None:
    """The connector for a register plug name; None for plugs we cannot represent; KeyError if unknown."""
    key = normalise_plug(name)
    if key in UNMAPPABLE_PLUGS:
        return None
    return _PLUGS[key]


def capabilities(payment_systems: list[str]) -> tuple[list[Capability], list[str]]:
    """Capabilities in bit order (stable), plus the payment names we do not know."""
    found: set[Capability] = set()
    unknown: list[str] = []
    for name in payment_systems:
        if not name:
            continue
        if name in PAYMENT_CAPABILITIES:
            found.update(PAYMENT_CAPABILITIES[name])
        else:
            unknown.append(name)
    return sorted(found, key=lambda c: c.value), unknown


def power_type_for(standard: ConnectorType, kilowatt: float | None) -> PowerType:
    """API rule: DC plugs are DC; Schuko or under 11 kW is one phase; otherwise three phases."""
    if standard in (ConnectorType.CHADEMO, ConnectorType.IEC_62196_T2_COMBO, ConnectorType.TESLA_S):
        return PowerType.DC
    if standard == ConnectorType.DOMESTIC_F or (kilowatt is not None and kilowatt < 11):
        return PowerType.AC_1_PHASE
    return PowerType.AC_3_PHASE


def watt(standard: ConnectorType, kilowatt: float | None) -> int | None:
    if kilowatt is None:
        return None
    value = round(kilowatt * 1000)
    return min(value, SCHUKO_MAX_WATT) if standard == ConnectorType.DOMESTIC_F else value


def join_address(street: object, house_no: object) -> str | None:
    """`street house_no`, double spaces folded; house number "0" or empty is dropped."""
    street_text = ' '.join(str(street or '').split())
    if not street_text:
        return None
    number = _text(house_no)
    return f'{street_text} {number}' if number and number != '0' else street_text


def _text(value: object) -> str:
    if value is None:
        return ''
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def connector_values(shared: dict[tuple[Any, ...], dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """The stg_connector columns (keys left out) of a connector with these fields, defaults filled.

    The model validates and fills voltage, amperage and power (and raises what it rejects) once per
    distinct set of fields; a register has a few dozen (API) or a few thousand (Excel: with the date).
    """
    key = tuple(fields.items())
    values = shared.get(key)
    if values is None:
        values = shared[key] = _columns(ConnectorUpdate(uid='1', **fields))
    return values


def _columns(connector: ConnectorUpdate) -> dict[str, Any]:
    return {
        'standard': connector.standard.value if connector.standard else None,
        'format': connector.format.value if connector.format else None,
        'power_type': connector.power_type.value if connector.power_type else None,
        'max_voltage': connector.max_voltage,
        'max_amperage': connector.max_amperage,
        'max_electric_power': connector.max_electric_power,
        'last_updated': connector.last_updated,
    }


def operator_name(known: dict[str, str | ValidationError], name: str) -> str:
    """The operator's name as a valid business (ValidationError as the model raises it), once per name."""
    checked = known.get(name)
    if checked is None:
        try:
            checked = BusinessUpdate(name=name).name
        except ValidationError as exc:
            checked = exc
        known[name] = checked
    if isinstance(checked, ValidationError):
        raise checked
    return checked
