"""A source-neutral picture of charging sites, which every family's generator renders into its own wire format.

`generate_sites` scatters sites over the given cities (deterministic for a given `random.Random`),
each with one or more stations of EVSEs whose plugs follow a realistic mix (AC pillars, garage
wallboxes, DC triple chargers, HPC parks). `later_statuses` gives the same sites a few minutes later:
about a third of the EVSEs changed status, which is what the realtime samples carry.
"""

from __future__ import annotations

import copy
import itertools
import random
import string
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from math import cos, radians, sin

from ocpdb_pipelines.samples.areas import City

# The instant the samples describe; fixed so a seed always gives the same bytes (tests, benchmarks).
REFERENCE_TIME = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
_reference: ContextVar[datetime] = ContextVar('sample_reference_time', default=REFERENCE_TIME)


# which later draw of statuses `later_statuses` makes (0: the fixed one; the demo's feeds count up per poll)
_status_draw: ContextVar[int] = ContextVar('sample_status_draw', default=0)


def reference_time() -> datetime:
    """The instant samples written now describe: REFERENCE_TIME unless inside `samples_at`."""
    return _reference.get()


@contextmanager
def status_draw(draw: int) -> Iterator[None]:
    """Realtime samples written inside take another draw of changed statuses (same sites, same seed)."""
    token = _status_draw.set(draw)
    try:
        yield
    finally:
        _status_draw.reset(token)


@contextmanager
def samples_at(moment: datetime) -> Iterator[None]:
    """Write samples describing `moment` (the demo: a few minutes ago, so freshness checks are honest)."""
    token = _reference.set(moment)
    try:
        yield
    finally:
        _reference.reset(token)


@dataclass(frozen=True)
class Plug:
    standard: str  # ConnectorType name (OCPI spelling)
    format: str  # SOCKET | CABLE
    power_type: str  # AC_1_PHASE | AC_3_PHASE | DC
    voltage: int
    amperage: int
    power: int  # W

    @property
    def is_dc(self) -> bool:
        return self.power_type == 'DC'


T2_11 = Plug('IEC_62196_T2', 'SOCKET', 'AC_3_PHASE', 400, 16, 11000)
T2_22 = Plug('IEC_62196_T2', 'SOCKET', 'AC_3_PHASE', 400, 32, 22000)
T2_CABLE_43 = Plug('IEC_62196_T2', 'CABLE', 'AC_3_PHASE', 400, 63, 43000)
SCHUKO = Plug('DOMESTIC_F', 'SOCKET', 'AC_1_PHASE', 230, 16, 3700)
CCS_50 = Plug('IEC_62196_T2_COMBO', 'CABLE', 'DC', 500, 125, 50000)
CHADEMO_50 = Plug('CHADEMO', 'CABLE', 'DC', 500, 125, 50000)
CCS_150 = Plug('IEC_62196_T2_COMBO', 'CABLE', 'DC', 920, 200, 150000)
CCS_300 = Plug('IEC_62196_T2_COMBO', 'CABLE', 'DC', 920, 500, 300000)
CCS_250 = Plug('IEC_62196_T2_COMBO', 'CABLE', 'DC', 500, 615, 250000)

# station kinds: a list of EVSE layouts (plugs per EVSE) and how many EVSEs of it a station has
STATION_KINDS: dict[str, tuple[tuple[Plug, ...], tuple[int, int]]] = {
    'ac11': ((T2_11,), (2, 2)),
    'ac22': ((T2_22,), (2, 2)),
    'wallbox': ((T2_11,), (1, 4)),
    'ac_schuko': ((T2_22, SCHUKO), (2, 2)),
    'dc50': ((CCS_50, CHADEMO_50), (1, 2)),
    'hpc150': ((CCS_150,), (2, 4)),
    'hpc300': ((CCS_300,), (2, 6)),
    'supercharger': ((CCS_250,), (4, 12)),
}

STATUSES = ('AVAILABLE', 'CHARGING', 'OUTOFORDER', 'RESERVED', 'INOPERATIVE')
_STATUS_WEIGHTS = (62, 27, 4, 3, 4)


@dataclass
class Evse:
    number: int  # running number over the whole sample (numeric ids, connector ids)
    evse_id: str
    plugs: tuple[Plug, ...]
    status: str
    last_updated: datetime

    @property
    def power(self) -> int:
        return max(plug.power for plug in self.plugs)

    @property
    def is_dc(self) -> bool:
        return any(plug.is_dc for plug in self.plugs)


@dataclass
class Station:
    number: int
    kind: str
    evses: list[Evse] = field(default_factory=list)


@dataclass
class Site:
    number: int
    lat: float
    lon: float
    street: str
    house_number: str
    postcode: str
    city: City
    parking_type: str  # ON_STREET | PARKING_LOT | PARKING_GARAGE | UNDERGROUND_GARAGE | ALONG_MOTORWAY
    twentyfourseven: bool
    last_updated: datetime
    stations: list[Station] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f'{self.street} {self.house_number}'

    @property
    def evses(self) -> list[Evse]:
        return [evse for station in self.stations for evse in station.evses]


EvseIdFactory = Callable[[Site, Station, int], str]  # (site, station, index of the EVSE in the station) -> id


def scatter(rng: random.Random, city: City) -> tuple[float, float]:
    """A point within the city's radius (roughly uniform over the disc), 6 decimals."""
    radius = city.radius_km * rng.random() ** 0.5
    angle = rng.uniform(0, 6.283185307179586)
    lat = city.lat + radius * sin(angle) / 111.2
    lon = city.lon + radius * cos(angle) / (111.2 * cos(radians(city.lat)))
    return round(lat, 6), round(lon, 6)


def pick_status(rng: random.Random) -> str:
    return rng.choices(STATUSES, weights=_STATUS_WEIGHTS)[0]


def _weighted(rng: random.Random, mix: Sequence[tuple[str, float]]) -> str:
    return rng.choices([name for name, _ in mix], weights=[weight for _, weight in mix])[0]


# random house numbers are drawn from 1..140; a city has len(streets) * 140 of them (1,680 for Ludwigsburg)
HOUSE_NUMBERS = 140
RANDOM_TRIES = 50


def _addresses(city: City) -> Iterator[tuple[str, str]]:
    """Every address of a city in a fixed order: plain house numbers, then 1a, 1b, ... (no limit)."""
    for suffix in itertools.chain([''], (''.join(p) for n in itertools.count(1) for p in itertools.product(
            string.ascii_lowercase, repeat=n))):  # fmt: skip
        for house in range(1, HOUSE_NUMBERS + 1):
            for street in city.streets:
                yield street, f'{house}{suffix}'


def _free_address(
    rng: random.Random, city: City, used: set[tuple[str, str, str]], spare: Iterator[tuple[str, str]]
) -> tuple[str, str]:
    """A random unused address; once random draws keep hitting used ones, the next unused one in order
    (so a city holds any number of sites, and small samples stay exactly as they were)."""
    for _ in range(RANDOM_TRIES):
        street, house = rng.choice(city.streets), str(rng.randint(1, HOUSE_NUMBERS))
        if (city.name, street, house) not in used:
            used.add((city.name, street, house))
            return street, house
    for street, house in spare:
        if (city.name, street, house) not in used:
            used.add((city.name, street, house))
            return street, house
    raise AssertionError('unreachable: the address sequence is endless')


def generate_sites(
    rng: random.Random,
    cities: Sequence[City],
    count: int,
    *,
    mix: Sequence[tuple[str, float]],
    evse_id: EvseIdFactory,
    stations_per_site: tuple[int, int] = (1, 1),
    parking_types: Sequence[tuple[str, float]] = (('ON_STREET', 6), ('PARKING_LOT', 3), ('PARKING_GARAGE', 1)),
    single_plug: bool = False,
    at: datetime | None = None,
) -> list[Site]:
    """`count` sites over `cities` (round robin, so every city gets some), each with its stations and EVSEs."""
    at = at or reference_time()
    sites: list[Site] = []
    used_addresses: set[tuple[str, str, str]] = set()
    spare = {city.name: _addresses(city) for city in cities}
    evse_number = 0
    for number in range(1, count + 1):
        city = cities[(number - 1) % len(cities)]
        street, house = _free_address(rng, city, used_addresses, spare[city.name])
        lat, lon = scatter(rng, city)
        site = Site(
            number=number,
            lat=lat,
            lon=lon,
            street=street,
            house_number=house,
            postcode=rng.choice(city.postcodes),
            city=city,
            parking_type=_weighted(rng, parking_types),
            twentyfourseven=rng.random() < 0.85,
            last_updated=at - timedelta(days=rng.randint(3, 400), minutes=rng.randint(0, 1439)),
        )
        for station_number in range(1, rng.randint(*stations_per_site) + 1):
            kind = _weighted(rng, mix)
            layout, (low, high) = STATION_KINDS[kind]
            if single_plug:
                layout = layout[:1]
            station = Station(number=station_number, kind=kind)
            site.stations.append(station)
            for index in range(rng.randint(low, high)):
                evse_number += 1
                station.evses.append(
                    Evse(
                        number=evse_number,
                        evse_id=evse_id(site, station, index),
                        plugs=layout,
                        status=pick_status(rng),
                        last_updated=at - timedelta(minutes=rng.randint(1, 2880), seconds=rng.randint(0, 59)),
                    )
                )
        sites.append(site)
    return sites


def later_statuses(
    sites: list[Site], seed: int, *, share: float = 0.35, minutes: int = 5, at: datetime | None = None
) -> list[Site]:
    """A copy of the sites `minutes` later: about `share` of the EVSEs have another status (at least one)."""
    at = at or reference_time()
    draw = _status_draw.get()
    rng = random.Random(f'{seed}-later' if draw == 0 else f'{seed}-later-{draw}')
    later = copy.deepcopy(sites)
    evses = [evse for site in later for evse in site.evses]
    changed = [evse for evse in evses if rng.random() < share] or evses[:1]
    for evse in changed:
        evse.status = rng.choice([s for s in STATUSES if s != evse.status])
        evse.last_updated = at + timedelta(minutes=rng.randint(1, minutes), seconds=rng.randint(0, 59))
    return later


def iso(moment: datetime, *, millis: bool = False, zulu: bool = True) -> str:
    """ISO 8601 in UTC, with `Z` (or +00:00), optionally with milliseconds."""
    moment = moment.astimezone(UTC)
    text = moment.strftime('%Y-%m-%dT%H:%M:%S') + (f'.{moment.microsecond // 1000:03d}' if millis else '')
    return text + ('Z' if zulu else '+00:00')
