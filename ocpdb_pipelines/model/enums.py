"""Enumerations of the data model. Names and values are the wire strings of the predecessor."""

from enum import IntFlag, StrEnum


class SourceStatus(StrEnum):
    DISABLED = 'DISABLED'
    ACTIVE = 'ACTIVE'
    FAILED = 'FAILED'
    PROVISIONED = 'PROVISIONED'


class EvseStatus(StrEnum):
    AVAILABLE = 'AVAILABLE'
    BLOCKED = 'BLOCKED'
    CHARGING = 'CHARGING'
    INOPERATIVE = 'INOPERATIVE'
    OUTOFORDER = 'OUTOFORDER'
    PLANNED = 'PLANNED'
    REMOVED = 'REMOVED'
    RESERVED = 'RESERVED'
    UNKNOWN = 'UNKNOWN'
    STATIC = 'STATIC'


class PresenceStatus(StrEnum):
    PRESENT = 'PRESENT'
    PLANNED = 'PLANNED'
    REMOVED = 'REMOVED'


class ParkingType(StrEnum):
    ALONG_MOTORWAY = 'ALONG_MOTORWAY'
    PARKING_GARAGE = 'PARKING_GARAGE'
    PARKING_LOT = 'PARKING_LOT'
    ON_DRIVEWAY = 'ON_DRIVEWAY'
    ON_STREET = 'ON_STREET'
    UNDERGROUND_GARAGE = 'UNDERGROUND_GARAGE'
    PRIVATE = 'PRIVATE'


class ChargingRateUnit(StrEnum):
    W = 'W'
    KW = 'KW'
    A = 'A'


class ServiceType(StrEnum):
    PHYSICAL_ATTENDANCE = 'PHYSICAL_ATTENDANCE'
    UNATTENDED = 'UNATTENDED'


class ImageCategory(StrEnum):
    CHARGER = 'CHARGER'
    ENTRANCE = 'ENTRANCE'
    LOCATION = 'LOCATION'
    NETWORK = 'NETWORK'
    OPERATOR = 'OPERATOR'
    OTHER = 'OTHER'
    OWNER = 'OWNER'


class ConnectorFormat(StrEnum):
    SOCKET = 'SOCKET'
    CABLE = 'CABLE'


class PowerType(StrEnum):
    AC_1_PHASE = 'AC_1_PHASE'
    AC_3_PHASE = 'AC_3_PHASE'
    DC = 'DC'


class ConnectorType(StrEnum):
    CHADEMO = 'CHADEMO'
    DOMESTIC_A = 'DOMESTIC_A'
    DOMESTIC_B = 'DOMESTIC_B'
    DOMESTIC_C = 'DOMESTIC_C'
    DOMESTIC_D = 'DOMESTIC_D'
    DOMESTIC_E = 'DOMESTIC_E'
    DOMESTIC_F = 'DOMESTIC_F'
    DOMESTIC_G = 'DOMESTIC_G'
    DOMESTIC_H = 'DOMESTIC_H'
    DOMESTIC_I = 'DOMESTIC_I'
    DOMESTIC_J = 'DOMESTIC_J'
    DOMESTIC_K = 'DOMESTIC_K'
    DOMESTIC_L = 'DOMESTIC_L'
    IEC_60309_2_single_16 = 'IEC_60309_2_single_16'
    IEC_60309_2_three_16 = 'IEC_60309_2_three_16'
    IEC_60309_2_three_32 = 'IEC_60309_2_three_32'
    IEC_60309_2_three_64 = 'IEC_60309_2_three_64'
    IEC_62196_T1 = 'IEC_62196_T1'
    IEC_62196_T1_COMBO = 'IEC_62196_T1_COMBO'
    IEC_62196_T2 = 'IEC_62196_T2'
    IEC_62196_T2_COMBO = 'IEC_62196_T2_COMBO'
    IEC_62196_T3A = 'IEC_62196_T3A'
    IEC_62196_T3C = 'IEC_62196_T3C'
    PANTOGRAPH_BOTTOM_UP = 'PANTOGRAPH_BOTTOM_UP'
    PANTOGRAPH_TOP_DOWN = 'PANTOGRAPH_TOP_DOWN'
    TESLA_R = 'TESLA_R'
    TESLA_S = 'TESLA_S'
    MCS = 'MCS'
    SAE_J3400 = 'SAE_J3400'
    NEMA_5_20 = 'NEMA_5_20'
    NEMA_6_30 = 'NEMA_6_30'
    NEMA_6_50 = 'NEMA_6_50'
    NEMA_10_30 = 'NEMA_10_30'
    NEMA_10_50 = 'NEMA_10_50'
    NEMA_14_30 = 'NEMA_14_30'
    NEMA_14_50 = 'NEMA_14_50'
    GBT_AC = 'GBT_AC'
    GBT_DC = 'GBT_DC'


class TariffType(StrEnum):
    AD_HOC_PAYMENT = 'AD_HOC_PAYMENT'
    PROFILE_CHEAP = 'PROFILE_CHEAP'
    PROFILE_FAST = 'PROFILE_FAST'
    PROFILE_GREEN = 'PROFILE_GREEN'
    REGULAR = 'REGULAR'


class TariffAudience(StrEnum):
    AD_HOC_PAYMENT = 'AD_HOC_PAYMENT'
    EMSP_CONTRACT = 'EMSP_CONTRACT'


class TariffDimensionType(StrEnum):
    ENERGY = 'ENERGY'
    TIME = 'TIME'
    FLAT = 'FLAT'
    PARKING_TIME = 'PARKING_TIME'


class FacilityType(StrEnum):
    BATHROOM = 'BATHROOM'
    CATERING = 'CATERING'
    RESTING = 'RESTING'


class VehicleCategory(StrEnum):
    L1 = 'l1'
    L2 = 'l2'
    L3 = 'l3'
    L4 = 'l4'
    L5 = 'l5'
    L6 = 'l6'
    L7 = 'l7'
    M = 'm'
    M1 = 'm1'
    M2 = 'm2'
    M3 = 'm3'
    N = 'n'
    N1 = 'n1'
    N2 = 'n2'
    N3 = 'n3'
    O = 'o'  # noqa: E741
    O1 = 'o1'
    O2 = 'o2'
    O3 = 'o3'
    O4 = 'o4'
    R = 'r'
    R1 = 'r1'
    R2 = 'r2'
    R3 = 'r3'
    R4 = 'r4'
    T1 = 't1'
    T2 = 't2'
    T3 = 't3'
    T4 = 't4'
    T41 = 't41'
    T42 = 't42'
    T43 = 't43'


class Capability(IntFlag):
    """Persisted bit values: never renumber."""

    CHARGING_PROFILE_CAPABLE = 1
    CHARGING_PREFERENCES_CAPABLE = 2
    CHIP_CARD_SUPPORT = 4
    CONTACTLESS_CARD_SUPPORT = 8
    CREDIT_CARD_PAYABLE = 16
    DEBIT_CARD_PAYABLE = 32
    PED_TERMINAL = 64
    REMOTE_START_STOP_CAPABLE = 128
    RESERVABLE = 256
    RFID_READER = 512
    TOKEN_GROUP_CAPABLE = 1024
    UNLOCK_CAPABLE = 2048
    PUBLIC = 4096
    LOCAL_KEY = 8192
    CASH = 16384
    IEC15118 = 32768
    DIRECT_REMOTE = 65536


class ParkingRestriction(IntFlag):
    """Persisted bit values: never renumber."""

    EV_ONLY = 1
    PLUGGED = 2
    DISABLED = 4
    CUSTOMERS = 8
    MOTORCYCLES = 16
    CARSHARING = 32
    BICYCLE_ONLY = 64


def flags_to_mask(names: list[str] | None, flag: type[IntFlag]) -> int | None:
    """Encode a list of flag names as the stored bitmask (None stays None)."""
    if names is None:
        return None
    mask = 0
    for name in names:
        mask |= flag[name].value
    return mask


def mask_to_flags(mask: int | None, flag: type[IntFlag]) -> list[str] | None:
    """Decode a stored bitmask to names in bit order."""
    if mask is None:
        return None
    return [member.name for member in flag if member.value & mask and member.name]
