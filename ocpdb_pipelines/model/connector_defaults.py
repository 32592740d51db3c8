"""Fill voltage, amperage, power and power type a source left out (predecessor §1.4, bugs fixed).

Fixes against the predecessor: a 3-phase amperage is the per-phase current (22 kW at 400 V -> 32 A,
not 230 A); values the source did give are never overwritten; power from V and A includes the
sqrt(3) factor for 3-phase; CEE three_16 on one phase keeps 230 V.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ocpdb_pipelines.model.enums import ConnectorType as CT  # noqa: N817
from ocpdb_pipelines.model.enums import PowerType

if TYPE_CHECKING:
    from ocpdb_pipelines.model.updates import ConnectorUpdate

DC_TYPES = frozenset(
    {
        CT.IEC_62196_T2_COMBO,
        CT.IEC_62196_T1_COMBO,
        CT.CHADEMO,
        CT.GBT_DC,
        CT.SAE_J3400,
        CT.TESLA_S,
        CT.PANTOGRAPH_BOTTOM_UP,
        CT.PANTOGRAPH_TOP_DOWN,
        CT.MCS,
    }
)
THREE_PHASE_TYPES = frozenset(
    {
        CT.IEC_62196_T1,
        CT.IEC_62196_T2,
        CT.IEC_62196_T3C,
        CT.IEC_60309_2_three_16,
        CT.IEC_60309_2_three_32,
        CT.IEC_60309_2_three_64,
        CT.NEMA_10_30,
        CT.NEMA_10_50,
        CT.NEMA_14_30,
        CT.NEMA_14_50,
    }
)
NEMA_TYPES = frozenset(t for t in CT if t.name.startswith('NEMA_'))
DOMESTIC_TYPES = frozenset(t for t in CT if t.name.startswith('DOMESTIC_'))

# (power W, voltage V, amperage A) when the source gives no power and not both V and A
_THREE_PHASE_DEFAULTS = {
    CT.IEC_62196_T1: (22000, 400, 32),
    CT.IEC_62196_T2: (22000, 400, 32),
    CT.IEC_62196_T3C: (22000, 400, 32),
    CT.IEC_60309_2_three_32: (22000, 400, 32),
    CT.IEC_60309_2_three_16: (11000, 400, 16),
}
_SINGLE_PHASE_DEFAULTS = {
    CT.IEC_62196_T1: (7250, 230, 32),
    CT.IEC_62196_T2: (7250, 230, 32),
    CT.IEC_62196_T3C: (7250, 230, 32),
    CT.IEC_60309_2_three_32: (7250, 230, 32),
    CT.IEC_60309_2_three_16: (3650, 230, 16),
}
_FIXED_DEFAULTS = {
    CT.IEC_60309_2_three_64: (43000, 400, 64),
    CT.TESLA_R: (15000, 230, 65),
    CT.GBT_AC: (7350, 230, 32),
    CT.IEC_60309_2_single_16: (3650, 230, 16),
    CT.IEC_62196_T3A: (3650, 230, 16),
    CT.NEMA_5_20: (2400, 120, 20),
    CT.NEMA_6_30: (3600, 120, 30),
    CT.NEMA_6_50: (6000, 120, 50),
    CT.NEMA_10_30: (6200, 120, 30),
    CT.NEMA_14_30: (6200, 120, 30),
    CT.NEMA_10_50: (10350, 120, 50),
    CT.NEMA_14_50: (10350, 120, 50),
    CT.MCS: (1000000, 1000, 1000),
}
_DC_DEFAULT = (150000, 400, 375)


def default_power_type(standard: CT | None) -> PowerType:
    if standard in DC_TYPES:
        return PowerType.DC
    if standard in THREE_PHASE_TYPES:
        return PowerType.AC_3_PHASE
    return PowerType.AC_1_PHASE


def nominal_voltage(standard: CT | None, power_type: PowerType) -> int:
    """The voltage a connector of this type runs at when the source does not say."""
    if standard == CT.MCS:
        return 1000
    if standard in DC_TYPES:
        return 400
    if standard in NEMA_TYPES:
        return 120
    if standard is None:
        return 0
    return 400 if power_type == PowerType.AC_3_PHASE else 230


def _amperage(power: int, voltage: int, power_type: PowerType) -> int:
    """Per-phase current. A 3-phase rating published with the phase voltage (230 V) draws P / (3 V),
    one published with the line voltage (400 V) P / (sqrt(3) V)."""
    if voltage <= 0:
        return 0
    if power_type == PowerType.AC_3_PHASE:
        return round(power / (3 * voltage)) if voltage <= 250 else round(power / (voltage * math.sqrt(3)))
    return int(power / voltage)


def _power(voltage: int, amperage: int, power_type: PowerType) -> int:
    if power_type == PowerType.AC_3_PHASE:
        return round(voltage * amperage * math.sqrt(3))
    return voltage * amperage


def _table_defaults(standard: CT | None, power_type: PowerType) -> tuple[int, int, int]:
    if standard is None:
        return (0, 0, 0)
    if standard in DC_TYPES and standard != CT.MCS:
        return _DC_DEFAULT
    if standard in _FIXED_DEFAULTS:
        return _FIXED_DEFAULTS[standard]
    if standard in DOMESTIC_TYPES:
        return (3650, 230, 16)
    table = _THREE_PHASE_DEFAULTS if power_type == PowerType.AC_3_PHASE else _SINGLE_PHASE_DEFAULTS
    return table.get(standard, (0, 0, 0))


def fill_connector_defaults(connector: ConnectorUpdate) -> None:
    """Complete power_type, max_voltage, max_amperage and max_electric_power in place."""
    if connector.power_type is None:
        connector.power_type = default_power_type(connector.standard)
    power_type = connector.power_type
    power, voltage, amperage = (
        connector.max_electric_power,
        connector.max_voltage,
        connector.max_amperage,
    )
    if power is None and voltage is not None and amperage is not None:
        connector.max_electric_power = _power(voltage, amperage, power_type)
    elif power is not None and (voltage is None or amperage is None):
        if voltage is None and amperage is not None and amperage > 0:
            divisor = amperage * (math.sqrt(3) if power_type == PowerType.AC_3_PHASE else 1)
            voltage = round(power / divisor)
        if voltage is None:
            voltage = nominal_voltage(connector.standard, power_type)
        connector.max_voltage = voltage
        if amperage is None:
            connector.max_amperage = _amperage(power, voltage, power_type)
    elif power is None:
        connector.max_electric_power, connector.max_voltage, connector.max_amperage = _table_defaults(
            connector.standard, power_type
        )
