"""A synthetic, Germany-scale BNetzA Ladesäulenregister, deterministic per seed.

One generator feeds both layouts the project imports (spec/sources.md §3.3, §3.4): the JSON API
(`{"chargingStations": [...]}`) and the Excel register (10 preamble rows, the 33 headers in row 11,
data from row 12). The distribution follows the real register in broad strokes: installations
cluster around cities, about a fifth share their coordinates with another installation, a few big
operators run thousands of installations and thousands of small ones run a handful, and most
installations are AC Type 2 wall boxes "In Betrieb".

`broken` adds that many deliberately invalid installations (each at its own coordinates), which the
importers must skip and count: exactly one skipped record each.
"""

from __future__ import annotations

import bisect
import itertools
import random
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import cos, hypot, radians
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import orjson

from ocpdb_pipelines.quality.coordinates import inside_country
from ocpdb_pipelines.sources.bnetza import excel

FIRST_ID = 1_000_001
REGISTER_DATE = '01.09.2024'

# name, latitude, longitude, state, district, postcode prefix, weight (roughly the population in 100k)
CITIES: tuple[tuple[str, float, float, str, str, str, float], ...] = (
    ('Berlin', 52.5200, 13.4050, 'Berlin', 'Kreisfreie Stadt Berlin', '10', 36.0),
    ('Hamburg', 53.5511, 9.9937, 'Hamburg', 'Kreisfreie Stadt Hamburg', '20', 18.0),
    ('München', 48.1351, 11.5820, 'Bayern', 'Kreisfreie Stadt München', '80', 15.0),
    ('Köln', 50.9375, 6.9603, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Köln', '50', 11.0),
    ('Frankfurt am Main', 50.1109, 8.6821, 'Hessen', 'Kreisfreie Stadt Frankfurt am Main', '60', 7.5),
    ('Stuttgart', 48.7758, 9.1829, 'Baden-Württemberg', 'Kreisfreie Stadt Stuttgart', '70', 6.3),
    ('Düsseldorf', 51.2277, 6.7735, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Düsseldorf', '40', 6.2),
    ('Leipzig', 51.3397, 12.3731, 'Sachsen', 'Kreisfreie Stadt Leipzig', '04', 6.0),
    ('Dortmund', 51.5136, 7.4653, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Dortmund', '44', 5.9),
    ('Essen', 51.4556, 7.0116, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Essen', '45', 5.8),
    ('Bremen', 53.0793, 8.8017, 'Bremen', 'Kreisfreie Stadt Bremen', '28', 5.6),
    ('Dresden', 51.0504, 13.7373, 'Sachsen', 'Kreisfreie Stadt Dresden', '01', 5.5),
    ('Hannover', 52.3759, 9.7320, 'Niedersachsen', 'Region Hannover', '30', 5.3),
    ('Nürnberg', 49.4521, 11.0767, 'Bayern', 'Kreisfreie Stadt Nürnberg', '90', 5.1),
    ('Duisburg', 51.4344, 6.7623, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Duisburg', '47', 4.9),
    ('Bochum', 51.4818, 7.2162, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Bochum', '44', 3.6),
    ('Wuppertal', 51.2562, 7.1508, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Wuppertal', '42', 3.5),
    ('Bielefeld', 52.0302, 8.5325, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Bielefeld', '33', 3.3),
    ('Bonn', 50.7374, 7.0982, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Bonn', '53', 3.3),
    ('Münster', 51.9607, 7.6261, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Münster', '48', 3.1),
    ('Mannheim', 49.4875, 8.4660, 'Baden-Württemberg', 'Kreisfreie Stadt Mannheim', '68', 3.1),
    ('Karlsruhe', 49.0069, 8.4037, 'Baden-Württemberg', 'Kreisfreie Stadt Karlsruhe', '76', 3.1),
    ('Augsburg', 48.3705, 10.8978, 'Bayern', 'Kreisfreie Stadt Augsburg', '86', 3.0),
    ('Wiesbaden', 50.0782, 8.2398, 'Hessen', 'Kreisfreie Stadt Wiesbaden', '65', 2.8),
    ('Mönchengladbach', 51.1805, 6.4428, 'Nordrhein-Westfalen', 'Kreisfreie Stadt Mönchengladbach', '41', 2.6),
    ('Braunschweig', 52.2689, 10.5268, 'Niedersachsen', 'Kreisfreie Stadt Braunschweig', '38', 2.5),
    ('Kiel', 54.3233, 10.1228, 'Schleswig-Holstein', 'Kreisfreie Stadt Kiel', '24', 2.5),
    ('Aachen', 50.7753, 6.0839, 'Nordrhein-Westfalen', 'Städteregion Aachen', '52', 2.5),
    ('Chemnitz', 50.8278, 12.9214, 'Sachsen', 'Kreisfreie Stadt Chemnitz', '09', 2.4),
    ('Halle (Saale)', 51.4825, 11.9697, 'Sachsen-Anhalt', 'Kreisfreie Stadt Halle (Saale)', '06', 2.4),
    ('Magdeburg', 52.1205, 11.6276, 'Sachsen-Anhalt', 'Kreisfreie Stadt Magdeburg', '39', 2.4),
    ('Freiburg im Breisgau', 47.9990, 7.8421, 'Baden-Württemberg', 'Kreisfreie Stadt Freiburg im Breisgau', '79', 2.3),
    ('Lübeck', 53.8655, 10.6866, 'Schleswig-Holstein', 'Kreisfreie Stadt Lübeck', '23', 2.2),
    ('Erfurt', 50.9848, 11.0299, 'Thüringen', 'Kreisfreie Stadt Erfurt', '99', 2.1),
    ('Rostock', 54.0924, 12.0991, 'Mecklenburg-Vorpommern', 'Kreisfreie Stadt Rostock', '18', 2.1),
    ('Mainz', 49.9929, 8.2473, 'Rheinland-Pfalz', 'Kreisfreie Stadt Mainz', '55', 2.2),
    ('Kassel', 51.3127, 9.4797, 'Hessen', 'Kreisfreie Stadt Kassel', '34', 2.0),
    ('Saarbrücken', 49.2402, 6.9969, 'Saarland', 'Regionalverband Saarbrücken', '66', 1.8),
    ('Potsdam', 52.3906, 13.0645, 'Brandenburg', 'Kreisfreie Stadt Potsdam', '14', 1.8),
    ('Oldenburg', 53.1435, 8.2146, 'Niedersachsen', 'Kreisfreie Stadt Oldenburg (Oldenburg)', '26', 1.7),
    ('Osnabrück', 52.2799, 8.0472, 'Niedersachsen', 'Kreisfreie Stadt Osnabrück', '49', 1.6),
    ('Heidelberg', 49.3988, 8.6724, 'Baden-Württemberg', 'Kreisfreie Stadt Heidelberg', '69', 1.6),
    ('Regensburg', 49.0134, 12.1016, 'Bayern', 'Kreisfreie Stadt Regensburg', '93', 1.5),
    ('Ingolstadt', 48.7665, 11.4258, 'Bayern', 'Kreisfreie Stadt Ingolstadt', '85', 1.4),
    ('Würzburg', 49.7913, 9.9534, 'Bayern', 'Kreisfreie Stadt Würzburg', '97', 1.3),
    ('Ulm', 48.4011, 9.9876, 'Baden-Württemberg', 'Kreisfreie Stadt Ulm', '89', 1.3),
    ('Ludwigsburg', 48.8975, 9.1922, 'Baden-Württemberg', 'Landkreis Ludwigsburg', '71', 1.2),
    ('Göttingen', 51.5413, 9.9158, 'Niedersachsen', 'Landkreis Göttingen', '37', 1.2),
    ('Trier', 49.7499, 6.6371, 'Rheinland-Pfalz', 'Kreisfreie Stadt Trier', '54', 1.1),
    ('Jena', 50.9271, 11.5892, 'Thüringen', 'Kreisfreie Stadt Jena', '07', 1.1),
    ('Cottbus', 51.7563, 14.3329, 'Brandenburg', 'Kreisfreie Stadt Cottbus', '03', 1.0),
    ('Schwerin', 53.6355, 11.4012, 'Mecklenburg-Vorpommern', 'Kreisfreie Stadt Schwerin', '19', 0.9),
    ('Passau', 48.5667, 13.4319, 'Bayern', 'Kreisfreie Stadt Passau', '94', 0.6),
    ('Konstanz', 47.6779, 9.1732, 'Baden-Württemberg', 'Landkreis Konstanz', '78', 0.9),
    ('Flensburg', 54.7937, 9.4470, 'Schleswig-Holstein', 'Kreisfreie Stadt Flensburg', '24', 0.9),
    ('Görlitz', 51.1506, 14.9870, 'Sachsen', 'Landkreis Görlitz', '02', 0.6),
)
# around a city: (share of installations, spread in degrees of latitude): the centre, the suburbs, the countryside
RINGS = ((0.45, 0.03), (0.30, 0.09), (0.25, 0.35))
# the demo's register (`places`): only around the named cities, within COMPACT_MAX_KM of the centre, so every
# installation lies in the municipality the demo's VG25 (samples/vg25.py) draws around that city
COMPACT_SPREAD, COMPACT_MAX_KM = 0.015, 4.0

BIG_OPERATORS: tuple[tuple[str, str, float], ...] = (
    ('EnBW mobility+ AG und Co.KG', 'EnBW', 9.0),
    ('E.ON Drive Infrastructure GmbH', 'E.ON Drive', 4.0),
    ('EWE Go GmbH', 'EWE Go', 3.0),
    ('Westenergie AG', 'Westenergie', 2.5),
    ('Tesla Germany GmbH', 'Tesla Supercharger', 2.0),
    ('Allego GmbH', 'Allego', 2.0),
    ('Mer Germany GmbH', 'Mer', 1.5),
    ('Lidl Dienstleistung GmbH & Co. KG', 'Lidl', 1.5),
    ('Kaufland Dienstleistung GmbH & Co. KG', 'Kaufland', 1.2),
    ('Pfalzwerke AG', 'Pfalzwerke', 1.2),
    ('IONITY GmbH', 'IONITY', 1.0),
    ('Aral pulse GmbH', 'Aral pulse', 1.0),
    ('N-ERGIE Aktiengesellschaft', 'N-ERGIE', 1.0),
    ('Vattenfall Europe Innovation GmbH', 'Vattenfall', 1.0),
    ('Fastned Deutschland GmbH & Co KG', 'Fastned', 0.6),
    ('Shell Deutschland GmbH', 'Shell Recharge', 0.6),
)
# fast-charging networks: their sites are HPC parks with several installations at one point
HPC_OPERATORS = frozenset({'Tesla Germany GmbH', 'IONITY GmbH', 'Fastned Deutschland GmbH & Co KG', 'Aral pulse GmbH'})
SHARE_BIG, SHARE_STADTWERKE = 0.42, 0.18  # the rest is the long tail of small operators
SMALL_OPERATORS = 6000

SURNAMES = [
    'Müller',
    'Schmidt',
    'Schneider',
    'Fischer',
    'Weber',
    'Meyer',
    'Wagner',
    'Becker',
    'Schulz',
    'Hoffmann',
    'Schäfer',
    'Koch',
    'Bauer',
    'Richter',
    'Klein',
    'Wolf',
    'Schröder',
    'Neumann',
    'Schwarz',
    'Zimmermann',
    'Braun',
    'Krüger',
    'Hofmann',
    'Hartmann',
    'Lange',
    'Schmitt',
    'Werner',
    'Schmitz',
    'Krause',
    'Meier',
    'Lehmann',
    'Schmid',
    'Schulze',
    'Maier',
    'Köhler',
    'Herrmann',
    'König',
    'Walter',
    'Mayer',
    'Huber',
    'Kaiser',
    'Fuchs',
    'Peters',
    'Lang',
    'Scholz',
    'Möller',
    'Weiß',
    'Jung',
    'Hahn',
    'Schubert',
    'Vogel',
    'Friedrich',
    'Keller',
    'Günther',
    'Frank',
    'Berger',
    'Winkler',
    'Roth',
    'Beck',
    'Lorenz',
    'Baumann',
]
SMALL_KINDS = (
    '{} Elektrotechnik GmbH',
    'Autohaus {} GmbH & Co. KG',
    'Hotel {} GmbH',
    '{} Energie GmbH',
    '{} Immobilien GmbH & Co. KG',
    'Elektro {} e.K.',
    '{} Solar GmbH',
    'Gasthof {}',
    '{} & Söhne GmbH',
    'Bäckerei {} GmbH',
)
STREETS = [
    'Hauptstraße',
    'Bahnhofstraße',
    'Schulstraße',
    'Gartenstraße',
    'Dorfstraße',
    'Bergstraße',
    'Kirchstraße',
    'Lindenstraße',
    'Waldstraße',
    'Ringstraße',
    'Industriestraße',
    'Am',
    'Markt',
    'Marktplatz',
    'Poststraße',
    'Wiesenstraße',
    'Mühlenweg',
    'Friedhofstraße',
    'Feldstraße',
    'Gewerbestraße',
    'Rathausplatz',
    'Goethestraße',
    'Schillerstraße',
    'Parkstraße',
    'Kastanienallee',
    'Am',
    'Bahnhof',
    'Hafenstraße',
    'Rheinstraße',
    'Berliner',
    'Straße',
    'Münchener',
    'Straße',
    'Hamburger',
    'Straße',
    'Frankfurter',
    'Straße',
    'Kölner',
    'Straße',
    'Europaallee',
]
PAYMENT_SETS: tuple[tuple[tuple[str, ...], float], ...] = (
    ((), 20.0),
    (('RFID-Karte', 'Onlinezahlungsverfahren'), 35.0),
    (('Onlinezahlungsverfahren',), 12.0),
    (('RFID-Karte',), 8.0),
    (('Kreditkarte (NFC)', 'Debitkarte (NFC)', 'RFID-Karte', 'Onlinezahlungsverfahren'), 10.0),
    (
        (
            'Kreditkarte (Lesegerät)',
            'Kreditkarte (NFC)',
            'Debitkarte (Lesegerät)',
            'Debitkarte (NFC)',
            'RFID-Karte',
            'Onlinezahlungsverfahren',
        ),
        6.0,
    ),
    (('Kostenlos',), 3.0),
    (('Kostenlos (Registrierung)',), 1.0),
    (('Sonstige',), 2.0),
    (('Kreditkarte (Webseite / App)', 'Debitkarte (Webseite / App)', 'Plug & Charge'), 2.0),
    (('Bargeld', 'RFID-Karte'), 0.5),
    (('', 'RFID-Karte'), 0.5),  # the register has stray empty strings; they are tolerated
)
WEEKDAYS = ('Montag', 'Dienstag', 'Mittwoch', 'Donnerstag', 'Freitag', 'Samstag', 'Sonntag')

T2 = 'AC Typ 2 Steckdose'
T2_CABLE = 'AC Typ 2 Fahrzeugkupplung'
SCHUKO = 'AC Schuko'
CCS = 'DC Fahrzeugkupplung Typ Combo 2 (CCS)'
CHADEMO = 'DC CHAdeMO'
# rare plugs: API spelling, Excel spelling
RARE_PLUGS = (('AC Typ 1 Steckdose', 'AC Typ 1 Steckdose'), ('AC CEE 5-polig', 'AC CEE 5 polig'))

EXCEL_HEADERS = excel.HEADERS  # the layout the importer checks, row 11
EXCEL_PREAMBLE = (
    'Ladesäulenregister Bundesnetzagentur (synthetisch erzeugt, kein Abzug des echten Registers)',
    None,
    'Hinweis: ',
    'Erzeugt von ocpdb_pipelines.samples.bnetza für Tests, Demo und Benchmark.',
    'Betreiber, Adressen und Koordinaten sind erfunden.',
    None,
    None,
    f'Letzte Aktualisierung vom: {REGISTER_DATE}',
    None,
)
MAX_SLOTS = 6


@dataclass
class Connector:
    api_type: str
    excel_type: str
    kilowatt: float


@dataclass
class Evse:
    connectors: list[Connector]
    evse_id: str | None = None
    public_key: str | None = None

    @property
    def kilowatt(self) -> float:
        return max(c.kilowatt for c in self.connectors)


@dataclass
class Installation:
    id: int
    operator: str
    display_name: str | None
    street: str
    house_no: str
    address_addition: str | None
    postal_code: str
    city: str
    district: str
    state: str
    lat: float
    lon: float
    go_live: date
    fast: bool
    in_maintenance: bool
    opening: str  # 247 | Eingeschränkt | Keine Angabe
    opening_days: list[dict[str, str]]
    payments: tuple[str, ...]
    evses: list[Evse] = field(default_factory=list)
    broken: str | None = None  # which defect a deliberately broken record carries

    @property
    def station_kilowatt(self) -> float:
        return sum(e.kilowatt for e in self.evses)


def _weighted(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect(cumulative, rng.random() * cumulative[-1])


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _small_operators(count: int) -> list[str]:
    """`count` distinct small operator names, built from surnames, kinds and places."""
    names: list[str] = []
    places = [city[0] for city in CITIES]
    for kind, surname in itertools.product(SMALL_KINDS, SURNAMES):
        names.append(kind.format(surname))
    for place, kind, surname in itertools.product(places, SMALL_KINDS, SURNAMES):
        if len(names) >= count:
            break
        names.append(f'{kind.format(surname)} {place}')
    return names[:count]


class _Generator:
    """Draws installations site by site; every random choice comes from one seeded RNG."""

    def __init__(self, seed: int, places: Collection[str] | None = None) -> None:
        self.rng = random.Random(seed)
        self.cities = CITIES if places is None else tuple(c for c in CITIES if c[0] in places)
        self.compact = places is not None
        self.city_weights = _cumulative([c[6] for c in self.cities])
        self.big_weights = _cumulative([w for _, _, w in BIG_OPERATORS])
        self.small = _small_operators(SMALL_OPERATORS)
        # a long tail: the biggest small operator runs a few hundred installations, most run one or two
        self.small_weights = _cumulative([1 / (rank + 30) ** 1.2 for rank in range(1, len(self.small) + 1)])
        self.payment_weights = _cumulative([w for _, w in PAYMENT_SETS])
        self.used_points: set[tuple[float, float]] = set()
        self.next_id = FIRST_ID
        self.start = date(2012, 1, 1)
        self.span_days = (date(2024, 8, 31) - self.start).days

    def installations(self, n: int, broken: int) -> Iterator[Installation]:
        """n installations in id order, exactly `broken` of them (spread evenly) deliberately invalid.

        A regular site is cut short where a broken installation is due, so none is skipped over.
        """
        if not 0 <= broken <= n:
            raise ValueError(f'broken must be between 0 and n ({n}), got {broken}')
        # steps of n / (broken + 1) >= 1 when broken < n, so the positions are distinct
        due = list(range(n)) if broken == n else [(k + 1) * n // (broken + 1) for k in range(broken)]
        defects = itertools.cycle(('postal_code', 'go_live_date', 'type'))
        produced = 0
        while produced < n:
            if due and produced == due[0]:
                due.pop(0)
                site = self._site(size=1)
                site[0].broken = next(defects)
            else:
                site = self._site(size=None)
            for installation in site[: (due[0] if due else n) - produced]:
                yield installation
                produced += 1

    def _point(self, city: tuple) -> tuple[float, float]:
        rng = self.rng
        spread = COMPACT_SPREAD if self.compact else RINGS[_weighted(rng, _cumulative([r[0] for r in RINGS]))][1]
        while True:
            lat = round(city[1] + rng.gauss(0, spread), 6)
            lon = round(city[2] + rng.gauss(0, spread * 1.5), 6)
            if self.compact and _km(city[1], city[2], lat, lon) > COMPACT_MAX_KM:
                continue
            # inside Germany for real (the importer skips points across the border, e.g. around Aachen)
            if (lat, lon) not in self.used_points and inside_country('DEU', lat, lon):
                self.used_points.add((lat, lon))
                return lat, lon

    def _operator(self, city: tuple) -> tuple[str, str | None]:
        rng = self.rng
        draw = rng.random()
        if draw < SHARE_BIG:
            name, display, _ = BIG_OPERATORS[_weighted(rng, self.big_weights)]
            return name, display
        if draw < SHARE_BIG + SHARE_STADTWERKE:
            return f'Stadtwerke {city[0]} GmbH', f'SW {city[0]}' if rng.random() < 0.7 else None
        name = self.small[_weighted(rng, self.small_weights)]
        return name, name if rng.random() < 0.5 else None

    def _site(self, size: int | None) -> list[Installation]:
        rng = self.rng
        city = self.cities[_weighted(rng, self.city_weights)]
        lat, lon = self._point(city)
        operator, display = self._operator(city)
        hpc = operator in HPC_OPERATORS
        if size is None:
            # ~9% of sites hold several installations, so ~20% of installations share coordinates
            size = 1
            if rng.random() < (0.5 if hpc else 0.05):
                size = rng.choice((2, 2, 2, 3, 3, 4, 6, 8) if hpc else (2, 2, 2, 2, 3, 3, 4, 5))
        street = rng.choice(STREETS)
        house_no = str(rng.randint(1, 180)) if rng.random() < 0.9 else '0'
        postal_code = f'{city[5]}{rng.randint(0, 10 ** (5 - len(city[5])) - 1):0{5 - len(city[5])}d}'
        addition = rng.choice(('Parkplatz', 'Tiefgarage', 'P+R', 'Hinterhof')) if rng.random() < 0.2 else None
        opening_draw = rng.random()
        opening = '247' if opening_draw < 0.12 else 'Eingeschränkt' if opening_draw < 0.16 else 'Keine Angabe'
        opening_days: list[dict[str, str]] = []
        if opening == 'Eingeschränkt':
            days = 7 if rng.random() < 0.5 else 6
            hours = rng.choice((('06:00', '22:00'), ('07:00', '20:00'), ('08:00', '18:00')))
            opening_days = [{'weekday': d, 'open_from': hours[0], 'open_to': hours[1]} for d in WEEKDAYS[:days]]
        payments = PAYMENT_SETS[_weighted(rng, self.payment_weights)][0]
        site = []
        for _ in range(size):
            installation = Installation(
                id=self.next_id,
                operator=operator,
                display_name=display,
                street=street,
                house_no=house_no,
                address_addition=addition,
                postal_code=postal_code,
                city=city[0],
                district=city[4],
                state=city[3],
                lat=lat,
                lon=lon,
                go_live=self._go_live(),
                fast=hpc or rng.random() < 0.17,
                in_maintenance=rng.random() < 0.015,
                opening=opening,
                opening_days=opening_days,
                payments=payments,
            )
            self.next_id += 1
            installation.evses = self._evses(installation, hpc)
            site.append(installation)
        return site

    def _go_live(self) -> date:
        # growth: most installations are recent (the square root skews towards the end of the span)
        return self.start + timedelta(days=int(self.span_days * self.rng.random() ** 0.5))

    def _evses(self, installation: Installation, hpc: bool) -> list[Evse]:
        rng = self.rng
        if installation.fast:
            count = rng.choice((1, 2, 2, 2, 4) if not hpc else (2, 2, 4, 6))
            kilowatt = float(rng.choice((50, 75, 150, 150, 160, 300) if not hpc else (150, 250, 300, 350)))
            evses = []
            for _ in range(count):
                connectors = [Connector(CCS, CCS, kilowatt)]
                if not hpc and kilowatt <= 75 and rng.random() < 0.35:
                    connectors.append(Connector(CHADEMO, CHADEMO, 50.0))
                if not hpc and rng.random() < 0.1:
                    connectors.append(Connector(T2_CABLE, T2_CABLE, 43.0))
                evses.append(Evse(connectors))
        else:
            count = rng.choice((1, 2, 2, 2, 2, 2, 2, 3, 4))
            kilowatt = float(rng.choice((11, 11, 22, 22, 22, 22, 3.7, 7.4)))
            rare = RARE_PLUGS[rng.randrange(len(RARE_PLUGS))] if rng.random() < 0.004 else None
            with_schuko = rng.random() < 0.08
            cable = rng.random() < 0.05
            evses = []
            for _ in range(count):
                plug = T2_CABLE if cable else T2
                connectors = [Connector(plug, plug, kilowatt)]
                if with_schuko:
                    connectors.append(Connector(SCHUKO, SCHUKO, kilowatt))
                if rare:
                    connectors = [Connector(rare[0], rare[1], kilowatt)]
                evses.append(Evse(connectors))
        if rng.random() < 0.1:  # some operators publish their EVSE ids
            prefix = ''.join(ch for ch in installation.operator.upper() if ch.isalpha())[:3].ljust(3, 'X')
            for k, evse in enumerate(evses, start=1):
                evse.evse_id = f'DE*{prefix}*E{installation.id}*{k}'
        if rng.random() < 0.3:
            for k, evse in enumerate(evses, start=1):
                evse.public_key = f'{installation.id:x}{k:02x}' * 4
        return evses


def _km(lat: float, lon: float, lat2: float, lon2: float) -> float:
    """Distance in km, flat-earth (good enough within a city)."""
    return hypot(lat2 - lat, (lon2 - lon) * cos(radians(lat))) * 111.2


def generate(n: int, seed: int = 1, broken: int = 0, places: Collection[str] | None = None) -> list[Installation]:
    """n installations (about n/1.1 locations), deterministic for a seed; `places`: only near these cities."""
    return list(_Generator(seed, places).installations(n, broken))


# --- the API JSON layout -------------------------------------------------------------------------


def api_record(installation: Installation) -> dict[str, Any]:
    record: dict[str, Any] = {
        'city': installation.city,
        'coordinates': {'latitude': installation.lat, 'longitude': installation.lon},
        'district_independent_city': installation.district,
        'evses': [_api_evse(evse) for evse in installation.evses],
        'go_live_date': installation.go_live.strftime('%d.%m.%Y'),
        'house_no': installation.house_no,
        'id': installation.id,
        'max_electric_power_station': _number(installation.station_kilowatt),
        'opening_days': installation.opening_days,
        'opening_hours_specification': installation.opening,
        'operator': {'companyName': installation.operator},
        'payment_systems': list(installation.payments),
        'postal_code': installation.postal_code,
        'state': installation.state,
        'status': {'operational': 'In Wartung' if installation.in_maintenance else 'In Betrieb'},
        'street': installation.street,
        'type': 'Schnellladeeinrichtung' if installation.fast else 'Normalladeeinrichtung',
    }
    if installation.display_name:
        record['operator']['displayName'] = installation.display_name
    if installation.address_addition:
        record['address_addition'] = installation.address_addition
    if installation.broken == 'postal_code':
        del record['postal_code']
    elif installation.broken == 'go_live_date':
        record['go_live_date'] = installation.go_live.isoformat()
    elif installation.broken == 'type':
        record['type'] = 'Ladesäule'
    return record


def _api_evse(evse: Evse) -> dict[str, Any]:
    built: dict[str, Any] = {
        'connectors': [
            {'connector_type': c.api_type, 'max_electric_power_connector': _number(c.kilowatt)} for c in evse.connectors
        ],
        'public_key_available': evse.public_key is not None,
    }
    if evse.public_key:
        built['public_key'] = evse.public_key
    if evse.evse_id:
        built['evse_id'] = evse.evse_id
    return built


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def bnetza_api_json(installations: list[Installation]) -> bytes:
    return orjson.dumps({'chargingStations': [api_record(i) for i in installations]})


def write_bnetza_api_json(
    path: str | Path, n: int, seed: int = 1, broken: int = 0, places: Collection[str] | None = None
) -> Path:
    """Write an API payload of n installations; returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bnetza_api_json(generate(n, seed, broken, places)))
    return target


# --- the Excel register layout -------------------------------------------------------------------


def excel_row(installation: Installation) -> list[Any]:
    """The 33 cells of one register row (row 12 onwards)."""
    slots: list[Any] = []
    for evse in installation.evses[:MAX_SLOTS]:
        slots += [', '.join(c.excel_type for c in evse.connectors), _number(evse.kilowatt), evse.public_key]
    slots += [None] * (3 * MAX_SLOTS - len(slots))
    postal_code: Any = installation.postal_code
    if not postal_code.startswith('0') and installation.id % 17 == 0:
        postal_code = int(postal_code)  # the real file sometimes stores the postcode as a number
    row = [
        installation.operator,
        installation.display_name or installation.operator,
        installation.street,
        installation.house_no,
        installation.address_addition,
        postal_code,
        installation.city,
        installation.district,
        installation.state,
        _comma(installation.lat),
        _comma(installation.lon),
        datetime.combine(installation.go_live, datetime.min.time()),
        _number(installation.station_kilowatt),
        'Schnellladeeinrichtung' if installation.fast else 'Normalladeeinrichtung',
        min(len(installation.evses), MAX_SLOTS),
        *slots,
    ]
    if installation.broken == 'postal_code':
        row[0] = ''  # no operator
    elif installation.broken == 'go_live_date':
        row[9] = 'n/a'  # latitude is not a number
    elif installation.broken == 'type':
        row[13] = 'Ladesäule'
    return row


def _comma(value: float) -> str:
    return repr(value).replace('.', ',')


def write_bnetza_excel(
    path: str | Path, n: int, seed: int = 1, broken: int = 0, places: Collection[str] | None = None
) -> Path:
    """Write the register as XLSX: preamble rows 1-10, headers in row 11, data from row 12."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = (excel_row(i) for i in generate(n, seed, broken, places))
    _write_xlsx(target, _excel_header_rows(), rows)
    return target


def _excel_header_rows() -> list[list[Any]]:
    preamble: list[list[Any]] = [[text] for text in EXCEL_PREAMBLE]
    group_row: list[Any] = ['Allgemeine Informationen'] + [None] * 14
    for n in range(1, MAX_SLOTS + 1):
        group_row += [f'{n}. Ladepunkt', None, None]
    return [*preamble, group_row, list(EXCEL_HEADERS)]


# A minimal SpreadsheetML package written by hand: streaming string building is ~20x faster than
# openpyxl for the 4 million cells of a Germany-scale register. Strings are inline, dates are serial
# numbers with the built-in date format 14, so every XLSX reader (calamine, openpyxl, Excel) reads them.
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Ladesäulenregister BNetzA" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)
_EXCEL_EPOCH = datetime(1899, 12, 30)
_COLUMNS = [chr(ord('A') + i) for i in range(26)] + [f'A{chr(ord("A") + i)}' for i in range(26)]


def _cell(ref: str, value: Any) -> str:
    if value is None or value == '':
        return ''
    if isinstance(value, datetime):
        serial = (value - _EXCEL_EPOCH).days + (value - _EXCEL_EPOCH).seconds / 86400
        return f'<c r="{ref}" s="1"><v>{_number(serial)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def _write_xlsx(path: Path, head: list[list[Any]], rows: Iterator[list[Any]]) -> None:
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr('[Content_Types].xml', _CONTENT_TYPES)
        archive.writestr('_rels/.rels', _ROOT_RELS)
        archive.writestr('xl/workbook.xml', _WORKBOOK)
        archive.writestr('xl/_rels/workbook.xml.rels', _WORKBOOK_RELS)
        archive.writestr('xl/styles.xml', _STYLES)
        with archive.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            buffer: list[str] = []
            for number, row in enumerate(itertools.chain(head, rows), start=1):
                cells = ''.join(_cell(f'{_COLUMNS[i]}{number}', value) for i, value in enumerate(row))
                buffer.append(f'<row r="{number}">{cells}</row>')
                if len(buffer) >= 2000:
                    sheet.write(''.join(buffer).encode())
                    buffer.clear()
            sheet.write(''.join(buffer).encode())
            merges = ['A10:O10'] + [f'{_COLUMNS[15 + 3 * k]}10:{_COLUMNS[17 + 3 * k]}10' for k in range(MAX_SLOTS)]
            merge_xml = ''.join(f'<mergeCell ref="{m}"/>' for m in merges)
            sheet.write(f'</sheetData><mergeCells count="{len(merges)}">{merge_xml}</mergeCells></worksheet>'.encode())
