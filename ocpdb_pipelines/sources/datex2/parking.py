"""DATEX II `dedicatedParkingSpaces` -> ParkingSpace list (spec/sources.md §3.2 "Parking spaces")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpdb_pipelines.model.updates import ParkingSpace
from ocpdb_pipelines.sources.common.values import dict_or_empty, list_or_empty
from ocpdb_pipelines.sources.datex2.values import enum_value, number
from ocpdb_pipelines.sources.datex2.vocabulary import ACCESSIBLE, VEHICLE_CATEGORIES

# characteristic list, member, factor to the model's unit (t -> kg, m -> cm)
_DIMENSIONS = (
    ('max_weight', 'grossWeightCharacteristic', 'grossVehicleWeight', Decimal(1000)),
    ('max_height', 'heightCharacteristic', 'vehicleHeight', Decimal(100)),
    ('max_length', 'lengthCharacteristic', 'vehicleLength', Decimal(100)),
    ('max_width', 'widthCharacteristic', 'vehicleWidth', Decimal(100)),
)


def _vehicle_types(vehicles: list) -> list[str]:
    result: list[str] = []
    for vehicle in vehicles:
        extended = dict_or_empty(
            dict_or_empty(dict_or_empty(vehicle).get('comVehicleCharacteristicsExtensionG')).get(
                'VehicleCharacteristicsExtended'
            )
        )
        for item in list_or_empty(extended.get('euVehicleCategory')):
            category = VEHICLE_CATEGORIES.get(enum_value(item) or '')
            if category is not None and category.value not in result:
                result.append(category.value)
    return result


def _space(entry: dict, fallback_amenities: dict) -> dict[str, Any]:
    vehicles = list_or_empty(entry.get('applicableForVehicles'))
    space: dict[str, Any] = {'vehicle_types': _vehicle_types(vehicles)}
    for field, characteristic, member, factor in _DIMENSIONS:
        for vehicle in vehicles:  # when several vehicles carry one, the last wins
            items = list_or_empty(dict_or_empty(vehicle).get(characteristic))
            value = number(dict_or_empty(items[0]).get(member)) if items else None
            if value is not None and value > 0:
                space[field] = max(1, int(value * factor))
    amenities = dict_or_empty(entry.get('amenities')) or fallback_amenities
    space['has_roof'] = amenities.get('roofed') is True
    space['is_illuminated'] = amenities.get('illuminated') is True
    space['is_accessible'] = any(enum_value(item) in ACCESSIBLE for item in list_or_empty(entry.get('accessibility')))
    return space


def parking_spaces(entries: Any, fallback_amenities: Any) -> list[ParkingSpace] | None:
    """Identical spaces (all but the count) merge with summed counts; nothing -> None (keep stored)."""
    merged: dict[tuple, dict[str, Any]] = {}
    for entry in list_or_empty(entries):
        if not isinstance(entry, dict):
            continue
        space = _space(entry, dict_or_empty(fallback_amenities))
        count = entry.get('numberOfSpaces')
        count = int(count) if isinstance(count, int | float) and not isinstance(count, bool) else None
        key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(space.items()))
        if key in merged:
            previous = merged[key].get('parking_space_count')
            if previous is not None or count is not None:
                merged[key]['parking_space_count'] = (previous or 0) + (count or 0)
        else:
            merged[key] = {**space, 'parking_space_count': count}
    if not merged:
        return None
    return [ParkingSpace.model_validate(space) for space in merged.values()]
