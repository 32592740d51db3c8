"""DATEX II wire values -> model enums (spec/sources.md §3.2, predecessor §7.6)."""

from __future__ import annotations

from ocpdb_pipelines.model.enums import (
    Capability,
    ConnectorType,
    EvseStatus,
    ServiceType,
    TariffAudience,
    TariffDimensionType,
    TariffType,
    VehicleCategory,
)

CT = ConnectorType

CONNECTOR_TYPES: dict[str, ConnectorType] = {
    'cee3': CT.IEC_60309_2_single_16,
    'cee5': CT.IEC_60309_2_three_32,
    'chademo': CT.CHADEMO,
    'iec60309x2three16': CT.IEC_60309_2_three_16,
    'iec60309x2three32': CT.IEC_60309_2_three_32,
    'iec60309x2three64': CT.IEC_60309_2_three_64,
    'iec60309x2single16': CT.IEC_60309_2_single_16,
    'iec62196T1': CT.IEC_62196_T1,
    'iec62196T1COMBO': CT.IEC_62196_T1_COMBO,
    'iec62196T2': CT.IEC_62196_T2,
    'iec62196T2COMBO': CT.IEC_62196_T2_COMBO,
    # the model knows these three; the predecessor dropped them to None
    'iec62196T3A': CT.IEC_62196_T3A,
    'iec62196T3C': CT.IEC_62196_T3C,
    'mcs': CT.MCS,
    'pantographBottomUp': CT.PANTOGRAPH_BOTTOM_UP,
    'pantographTopDown': CT.PANTOGRAPH_TOP_DOWN,
    'teslaConnectorEurope': CT.TESLA_S,
    'teslaConnectorAmerica': CT.TESLA_S,
    'teslaS': CT.TESLA_S,
    'teslaR': CT.TESLA_R,
}
for _letter in 'ABCDEFGHIJKL':
    CONNECTOR_TYPES[f'domestic{_letter}'] = CT[f'DOMESTIC_{_letter}']
    CONNECTOR_TYPES[f'domestic{_letter}Type'] = CT[f'DOMESTIC_{_letter}']  # 3.7 spelling

SINGLE_PHASE_STANDARDS = frozenset({CT.IEC_60309_2_single_16, *(CT[f'DOMESTIC_{letter}'] for letter in 'ABCDEFGHIJKL')})

CAPABILITIES: dict[str, Capability] = {
    'creditCard': Capability.CREDIT_CARD_PAYABLE,
    'debitCard': Capability.DEBIT_CARD_PAYABLE,
    'mifareClassic': Capability.RFID_READER,
    'mifareDesfire': Capability.RFID_READER,
    'rfid': Capability.RFID_READER,
    'activeRFIDChip': Capability.RFID_READER,
    'nfc': Capability.CONTACTLESS_CARD_SUPPORT,
    'overTheAir': Capability.REMOTE_START_STOP_CAPABLE,
    'apps': Capability.REMOTE_START_STOP_CAPABLE,
    'plc': Capability.IEC15118,
    'cashPayment': Capability.CASH,
    'pinpad': Capability.PED_TERMINAL,
    'calypso': Capability.CHIP_CARD_SUPPORT,
}

SERVICE_TYPES: dict[str, ServiceType] = {
    'physicalAttendance': ServiceType.PHYSICAL_ATTENDANCE,
    'unattended': ServiceType.UNATTENDED,
}

REFILL_POINT_STATUS: dict[str, EvseStatus] = {
    'available': EvseStatus.AVAILABLE,
    'blocked': EvseStatus.BLOCKED,
    'charging': EvseStatus.CHARGING,
    'faulted': EvseStatus.OUTOFORDER,
    'inoperative': EvseStatus.INOPERATIVE,
    'occupied': EvseStatus.CHARGING,
    'outOfOrder': EvseStatus.OUTOFORDER,
    'outOfStock': EvseStatus.OUTOFORDER,
    'planned': EvseStatus.PLANNED,
    'removed': EvseStatus.REMOVED,
    'reserved': EvseStatus.RESERVED,
    'unavailable': EvseStatus.INOPERATIVE,
    'unknown': EvseStatus.UNKNOWN,
}

TARIFF_TYPES: dict[str, TariffType] = {'adHoc': TariffType.AD_HOC_PAYMENT, 'contract': TariffType.REGULAR}
AUDIENCES: dict[str, TariffAudience] = {
    'adHoc': TariffAudience.AD_HOC_PAYMENT,
    'contract': TariffAudience.EMSP_CONTRACT,
}
PRICE_TYPES: dict[str, TariffDimensionType] = {
    'pricePerKWh': TariffDimensionType.ENERGY,
    'pricePerMinute': TariffDimensionType.TIME,
    'basePrice': TariffDimensionType.FLAT,
    'flatRate': TariffDimensionType.FLAT,
    'free': TariffDimensionType.FLAT,  # with price 0
}

VEHICLE_CATEGORIES: dict[str, VehicleCategory] = {category.value: category for category in VehicleCategory}
VEHICLE_CATEGORIES.pop('r', None)  # DATEX has no plain 'r'
VEHICLE_CATEGORIES.update(
    {
        'n1ClassI': VehicleCategory.N1,
        'n1ClassII': VehicleCategory.N1,
        'n1ClassIII': VehicleCategory.N1,
        'n1ClassIIIAndN2': VehicleCategory.N1,
    }
)

ACCESSIBLE = frozenset({'barrierFreeAccessible', 'disabilityAccessible', 'wheelChairAccessible'})

WEEKDAYS = {
    'monday': 1,
    'tuesday': 2,
    'wednesday': 3,
    'thursday': 4,
    'friday': 5,
    'saturday': 6,
    'sunday': 7,
}
