"""OCPI 2.2.1 Locations-module field rules as pydantic models (extra fields forbidden), for tests.

Written from the OCPI 2.2.1 specification; the official examples in fixtures/ocpi must pass them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

DateTime = Annotated[str, StringConstraints(pattern=r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$')]
CiString = lambda n: Annotated[str, StringConstraints(max_length=n)]  # noqa: E731


class Strict(BaseModel):
    model_config = ConfigDict(extra='forbid')


class GeoLocation(Strict):
    latitude: Annotated[str, StringConstraints(max_length=10, pattern=r'^-?[0-9]{1,2}\.[0-9]{5,7}$')]
    longitude: Annotated[str, StringConstraints(max_length=11, pattern=r'^-?[0-9]{1,3}\.[0-9]{5,7}$')]


class DisplayText(Strict):
    language: Annotated[str, StringConstraints(min_length=2, max_length=2)]
    text: CiString(512)


class AdditionalGeoLocation(GeoLocation):
    name: DisplayText | None = None


class Image(Strict):
    url: str
    thumbnail: str | None = None
    category: Literal['CHARGER', 'ENTRANCE', 'LOCATION', 'NETWORK', 'OPERATOR', 'OTHER', 'OWNER']
    type: CiString(4)
    width: int | None = Field(default=None, lt=100000)
    height: int | None = Field(default=None, lt=100000)


class BusinessDetails(Strict):
    name: CiString(100)
    website: str | None = None
    logo: Image | None = None


ConnectorType = Literal[
    'CHADEMO', 'CHAOJI', 'DOMESTIC_A', 'DOMESTIC_B', 'DOMESTIC_C', 'DOMESTIC_D', 'DOMESTIC_E', 'DOMESTIC_F',
    'DOMESTIC_G', 'DOMESTIC_H', 'DOMESTIC_I', 'DOMESTIC_J', 'DOMESTIC_K', 'DOMESTIC_L', 'GBT_AC', 'GBT_DC',
    'IEC_60309_2_single_16', 'IEC_60309_2_three_16', 'IEC_60309_2_three_32', 'IEC_60309_2_three_64',
    'IEC_62196_T1', 'IEC_62196_T1_COMBO', 'IEC_62196_T2', 'IEC_62196_T2_COMBO', 'IEC_62196_T3A', 'IEC_62196_T3C',
    'NEMA_5_20', 'NEMA_6_30', 'NEMA_6_50', 'NEMA_10_30', 'NEMA_10_50', 'NEMA_14_30', 'NEMA_14_50',
    'PANTOGRAPH_BOTTOM_UP', 'PANTOGRAPH_TOP_DOWN', 'TESLA_R', 'TESLA_S',
]  # fmt: skip


class Connector(Strict):
    id: CiString(36)
    standard: ConnectorType
    format: Literal['SOCKET', 'CABLE']
    power_type: Literal['AC_1_PHASE', 'AC_2_PHASE', 'AC_2_PHASE_SPLIT', 'AC_3_PHASE', 'DC']
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None = None
    tariff_ids: list[CiString(36)] | None = None
    terms_and_conditions: str | None = None
    last_updated: DateTime


class StatusSchedule(Strict):
    period_begin: DateTime
    period_end: DateTime | None = None
    status: str


class EVSE(Strict):
    uid: CiString(36)
    # eMI3 EVSE ID (OCPI 2.2.1 refers to eMI3 V1.0 part 2 for its syntax)
    evse_id: (
        Annotated[str, StringConstraints(max_length=48, pattern=r'^[A-Z]{2}\*?[A-Z0-9]{3}\*?E[A-Z0-9\*]{1,30}$')] | None
    ) = None
    status: Literal[
        'AVAILABLE', 'BLOCKED', 'CHARGING', 'INOPERATIVE', 'OUTOFORDER', 'PLANNED', 'REMOVED', 'RESERVED', 'UNKNOWN'
    ]
    status_schedule: list[StatusSchedule] | None = None
    capabilities: (
        list[
            Literal[
                'CHARGING_PROFILE_CAPABLE', 'CHARGING_PREFERENCES_CAPABLE', 'CHIP_CARD_SUPPORT',
                'CONTACTLESS_CARD_SUPPORT', 'CREDIT_CARD_PAYABLE', 'DEBIT_CARD_PAYABLE', 'PED_TERMINAL',
                'REMOTE_START_STOP_CAPABLE', 'RESERVABLE', 'RFID_READER', 'START_SESSION_CONNECTOR_REQUIRED',
                'TOKEN_GROUP_CAPABLE', 'UNLOCK_CAPABLE',
            ]
        ]
        | None
    ) = None  # fmt: skip
    connectors: Annotated[list[Connector], Field(min_length=1)]
    floor_level: CiString(4) | None = None
    coordinates: GeoLocation | None = None
    physical_reference: CiString(16) | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[Literal['EV_ONLY', 'PLUGGED', 'DISABLED', 'CUSTOMERS', 'MOTORCYCLES']] | None = None
    images: list[Image] | None = None
    last_updated: DateTime


class RegularHours(Strict):
    weekday: int = Field(ge=1, le=7)
    period_begin: Annotated[str, StringConstraints(pattern=r'^([0-1][0-9]|2[0-3]):[0-5][0-9]$')]
    period_end: Annotated[str, StringConstraints(pattern=r'^([0-1][0-9]|2[0-4]):[0-5][0-9]$')]


class ExceptionalPeriod(Strict):
    period_begin: DateTime
    period_end: DateTime


class Hours(Strict):
    twentyfourseven: bool
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None


class PublishTokenType(Strict):
    uid: str | None = None
    type: str | None = None
    visual_number: str | None = None
    issuer: str | None = None
    group_id: str | None = None


class EnergySource(Strict):
    source: Literal['NUCLEAR', 'GENERAL_FOSSIL', 'COAL', 'GAS', 'GENERAL_GREEN', 'SOLAR', 'WIND', 'WATER']
    percentage: float


class EnvironmentalImpact(Strict):
    category: Literal['NUCLEAR_WASTE', 'CARBON_DIOXIDE']
    amount: float


class EnergyMix(Strict):
    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: CiString(64) | None = None
    energy_product_name: CiString(64) | None = None


class Location(Strict):
    country_code: Annotated[str, StringConstraints(pattern=r'^[A-Z]{2}$')]
    party_id: Annotated[str, StringConstraints(pattern=r'^[A-Z0-9]{3}$')]
    id: CiString(36)
    publish: bool
    publish_allowed_to: list[PublishTokenType] | None = None
    name: CiString(255) | None = None
    address: CiString(45)
    city: CiString(45)
    postal_code: CiString(10) | None = None
    state: CiString(20) | None = None
    country: Annotated[str, StringConstraints(pattern=r'^[A-Z]{3}$')]
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: (
        Literal['ALONG_MOTORWAY', 'PARKING_GARAGE', 'PARKING_LOT', 'ON_DRIVEWAY', 'ON_STREET', 'UNDERGROUND_GARAGE']
        | None
    ) = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[str] | None = None
    time_zone: CiString(255)
    opening_times: Hours | None = None
    charging_when_closed: bool | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime


class Envelope(Strict):
    data: object = None
    status_code: int
    status_message: str | None = None
    timestamp: DateTime
