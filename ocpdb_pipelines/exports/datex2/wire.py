"""DATEX II wire strings (predecessor §6.2), per version where they differ."""

from __future__ import annotations

from ocpdb_pipelines.model.enums import Capability

_CONNECTOR_COMMON = {
    'CHADEMO': 'chademo',
    'IEC_60309_2_single_16': 'iec60309x2single16',
    'IEC_60309_2_three_16': 'iec60309x2three16',
    'IEC_60309_2_three_32': 'iec60309x2three32',
    'IEC_60309_2_three_64': 'iec60309x2three64',
    'IEC_62196_T1': 'iec62196T1',
    'IEC_62196_T1_COMBO': 'iec62196T1COMBO',
    'IEC_62196_T2': 'iec62196T2',
    'IEC_62196_T2_COMBO': 'iec62196T2COMBO',
    'IEC_62196_T3A': 'iec62196T3A',
    'IEC_62196_T3C': 'iec62196T3C',
    'PANTOGRAPH_BOTTOM_UP': 'pantographBottomUp',
    'PANTOGRAPH_TOP_DOWN': 'pantographTopDown',
    'TESLA_R': 'teslaR',
    'TESLA_S': 'teslaS',
    **{f'DOMESTIC_{letter}': f'domestic{letter}' for letter in 'ABCDEFGHIJKL'},
}
# 3.5 knows MCS; standards without a counterpart are published as `other` in 3.5 (the schema requires a
# connectorType) and skipped in 3.7, as the predecessor did.
CONNECTOR_TYPES = {'3.5': {**_CONNECTOR_COMMON, 'MCS': 'mcs'}, '3.7': dict(_CONNECTOR_COMMON)}
UNMAPPED_CONNECTOR_3_5 = 'other'

CONNECTOR_FORMATS = {'SOCKET': 'socket', 'CABLE': 'cableMode3'}

AUTH_METHODS = (
    (Capability.CREDIT_CARD_PAYABLE, 'creditCard'),
    (Capability.DEBIT_CARD_PAYABLE, 'debitCard'),
    (Capability.RFID_READER, 'rfid'),
    (Capability.CONTACTLESS_CARD_SUPPORT, 'nfc'),
    (Capability.REMOTE_START_STOP_CAPABLE, 'overTheAir'),
    (Capability.IEC15118, 'plc'),
    (Capability.CASH, 'cashPayment'),
    (Capability.PED_TERMINAL, 'pinpad'),
    (Capability.CHIP_CARD_SUPPORT, 'calypso'),
)

SERVICE_TYPES = {'PHYSICAL_ATTENDANCE': 'physicalAttendance', 'UNATTENDED': 'unattended'}

EVSE_STATUS = {
    'AVAILABLE': 'available',
    'BLOCKED': 'blocked',
    'CHARGING': 'charging',
    'INOPERATIVE': 'inoperative',
    'OUTOFORDER': 'outOfOrder',
    'PLANNED': 'planned',
    'REMOVED': 'removed',
    'RESERVED': 'reserved',
    'UNKNOWN': 'unknown',
}

PRICE_TYPES = {'ENERGY': 'pricePerKWh', 'TIME': 'pricePerMinute', 'FLAT': 'flatRate', 'PARKING_TIME': 'pricePerMinute'}
RATE_POLICIES = {'AD_HOC_PAYMENT': 'adHoc', 'EMSP_CONTRACT': 'contract'}

# internal vehicle category `r` has no DATEX counterpart
DROPPED_VEHICLE_CATEGORIES = frozenset({'r'})


def auth_methods(capabilities: int | None) -> list[str]:
    if not capabilities:
        return []
    return [wire for flag, wire in AUTH_METHODS if capabilities & flag]
