"""The common model: what every parser produces from its payload and the store persists.

Shapes follow OCPI 3.0 (location -> charging station -> EVSE -> connector) with OCPDB's
extensions. A field left None means "the source says nothing"; the store decides per field
whether that keeps or clears the stored value (predecessor semantics, see ocpdb_pipelines.store).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ocpdb_pipelines.model.connector_defaults import fill_connector_defaults
from ocpdb_pipelines.model.enums import (
    Capability,
    ChargingRateUnit,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    ImageCategory,
    ParkingRestriction,
    ParkingType,
    PowerType,
    PresenceStatus,
    ServiceType,
    TariffAudience,
    TariffDimensionType,
    TariffType,
    VehicleCategory,
)

_SEVEN_PLACES = Decimal('0.0000001')


def quantize_coordinate(value: Any) -> Decimal | None:
    """Coordinates are kept to 7 decimals, half-even, as the predecessor stores them."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(_SEVEN_PLACES, rounding=ROUND_HALF_EVEN)


class Model(BaseModel):
    model_config = ConfigDict(extra='forbid', use_enum_values=False, validate_assignment=False)


class DisplayText(Model):
    language: str | None = None
    text: str


class RegularHours(Model):
    weekday: Annotated[int, Field(ge=1, le=7)]
    period_begin: str
    period_end: str


class ExceptionalPeriod(Model):
    period_begin: datetime
    period_end: datetime


class RelatedLocation(Model):
    latitude: float
    longitude: float
    name: list[DisplayText] | DisplayText | None = None


class EnergySource(Model):
    source: str
    percentage: float


class EnvironmentalImpact(Model):
    category: str
    amount: float


class EnergyMix(Model):
    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: str | None = None
    energy_product_name: str | None = None


class MaxPower(Model):
    value: float
    unit: ChargingRateUnit | None = None


class ParkingSpace(Model):
    vehicle_types: list[VehicleCategory] = Field(default_factory=list)
    parking_space_count: Annotated[int, Field(ge=0)] | None = None
    max_weight: Annotated[int, Field(ge=1)] | None = None
    max_height: Annotated[int, Field(ge=1)] | None = None
    max_length: Annotated[int, Field(ge=1)] | None = None
    max_width: Annotated[int, Field(ge=1)] | None = None
    has_roof: bool = False
    is_illuminated: bool = False
    is_accessible: bool = False


class ImageUpdate(Model):
    external_url: str
    category: ImageCategory | None = None
    type: str | None = None
    width: int | None = None
    height: int | None = None


class BusinessUpdate(Model):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    website: str | None = None
    emobility_uid: str | None = None
    logo: ImageUpdate | None = None


class TaxAmount(Model):
    name: str | None = None
    amount: float | None = None


class Price(Model):
    before_taxes: float | None = None
    taxes: list[TaxAmount] | None = None


class TaxPercentage(Model):
    name: str | None = None
    percentage: float | None = None


class PriceComponent(Model):
    type: TariffDimensionType
    price: Decimal
    taxes: list[TaxPercentage] | None = None

    @field_validator('price', mode='before')
    @classmethod
    def _exact_price(cls, value: Any) -> Any:
        # via str so float noise (0.1 + 0.2) never reaches the Decimal (a predecessor bug)
        return Decimal(str(value)).quantize(Decimal('0.00000001')) if value is not None else value


class TariffRestrictions(Model):
    start_time: str | None = None
    end_time: str | None = None
    min_energy: float | None = None
    max_energy: float | None = None
    min_current: float | None = None
    max_current: float | None = None
    min_power: float | None = None
    max_power: float | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    min_restrictions_duration: int | None = None
    day_of_week: list[str] | None = None
    reservation: str | None = None
    vehicle_requesting_power: float | None = None


class TariffElement(Model):
    price_components: list[PriceComponent] = Field(default_factory=list)
    restrictions: TariffRestrictions | None = None


class TariffUpdate(Model):
    uid: Annotated[str, Field(min_length=1, max_length=64)]
    currency: str | None = None
    type: TariffType | None = None
    elements: list[TariffElement] = Field(default_factory=list)
    tariff_alt_url: str | None = None
    tariff_alt_text: list[DisplayText] | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    energy_mix: EnergyMix | None = None
    last_updated: datetime | None = None


class TariffAssociationUpdate(Model):
    uid: Annotated[str, Field(min_length=1, max_length=64)]
    tariff: TariffUpdate
    audience: TariffAudience | None = None
    start_date_time: datetime | None = None
    last_updated: datetime | None = None


class ConnectorUpdate(Model):
    uid: Annotated[str, Field(min_length=1, max_length=64)]
    standard: ConnectorType | None = None
    format: ConnectorFormat | None = None
    power_type: PowerType | None = None
    max_voltage: Annotated[int, Field(ge=0)] | None = None
    max_amperage: Annotated[int, Field(ge=0)] | None = None
    max_electric_power: Annotated[int, Field(ge=0)] | None = None
    last_updated: datetime | None = None
    terms_and_conditions: str | None = None

    @model_validator(mode='after')
    def _defaults(self) -> ConnectorUpdate:
        fill_connector_defaults(self)
        return self


class EvseUpdate(Model):
    uid: Annotated[str, Field(min_length=1, max_length=64)]
    evse_id: Annotated[str, Field(max_length=64)] | None = None
    status: EvseStatus | None = None
    presence: PresenceStatus | None = None
    physical_reference: str | None = None
    last_updated: datetime | None = None
    status_last_updated: datetime | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    max_reservation: float | None = None
    terms_and_conditions: str | None = None
    calibration_info_url: str | None = None
    related_resources: list[dict[str, Any]] | None = None
    images: list[ImageUpdate] | None = None
    connectors: list[ConnectorUpdate] = Field(default_factory=list)
    tariff_associations: list[TariffAssociationUpdate] | None = None


class ChargingStationUpdate(Model):
    uid: Annotated[str, Field(min_length=1, max_length=36)]
    evses: list[EvseUpdate] = Field(default_factory=list)
    capabilities: list[Capability] | None = None
    service_type: ServiceType | None = None
    user_interface_languages: list[str] | None = None
    floor_level: Annotated[str, Field(max_length=16)] | None = None
    physical_reference: str | None = None
    last_updated: datetime | None = None
    go_live_date: date | None = None
    lat: Decimal | None = None
    lon: Decimal | None = None
    directions: list[DisplayText] | None = None
    max_power: MaxPower | None = None
    parking_spaces: list[ParkingSpace] | None = None

    _quantize = field_validator('lat', 'lon', mode='before')(lambda v: quantize_coordinate(v))


class LocationUpdate(Model):
    uid: Annotated[str, Field(min_length=1, max_length=255)]
    lat: Annotated[Decimal, Field(ge=-90, le=90)]
    lon: Annotated[Decimal, Field(ge=-180, le=180)]
    time_zone: Annotated[str, Field(max_length=32)] = 'Europe/Berlin'
    charging_pool: list[ChargingStationUpdate] = Field(default_factory=list)
    name: str | None = None
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    state: str | None = None
    country: Annotated[str, Field(min_length=3, max_length=3)] | None = None
    directions: list[DisplayText] | None = None
    related_locations: list[RelatedLocation] | None = None
    parking_type: ParkingType | None = None
    operator: BusinessUpdate | None = None
    suboperator: BusinessUpdate | None = None
    owner: BusinessUpdate | None = None
    twentyfourseven: bool | None = None
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None
    energy_mix: EnergyMix | None = None
    max_power: MaxPower | None = None
    parking_spaces: list[ParkingSpace] | None = None
    help_phone: str | None = None
    charging_when_closed: bool | None = None
    terms_and_conditions: str | None = None
    images: list[ImageUpdate] | None = None
    last_updated: datetime | None = None
    has_in_person_support: bool | None = None
    facilities: list[str] | None = None
    facility_description: str | None = None
    accessibility: str | None = None  # a value of the catalogue's `accessibility` enum

    _quantize = field_validator('lat', 'lon', mode='before')(lambda v: quantize_coordinate(v))

    @field_validator('name', 'address', 'postal_code', 'city', 'state', mode='before')
    @classmethod
    def _cut(cls, value: Any) -> Any:
        # the columns are varchar(255); a longer free-text value is truncated, not a record error
        return value[:255] if isinstance(value, str) else value


class EvseRealtimeUpdate(Model):
    uid: Annotated[str, Field(min_length=1, max_length=64)]
    status: EvseStatus
    evse_id: str | None = None
    last_updated: datetime | None = None
    status_last_updated: datetime | None = None


class SkippedRecord(Model):
    """A record a parser could not map: counted and reported, never fatal."""

    reference: str
    reason: str
