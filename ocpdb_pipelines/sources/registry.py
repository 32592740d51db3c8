"""Every source OCPDB knows (spec/sources.md §1, §4.1), as data.

Per-source differences are fields here, not subclasses: the family decides the parser and fetch,
the spec decides URLs, auth, schedules and attribution.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CC_BY_4 = 'CC BY 4.0'
CC_BY_4_URL = 'https://creativecommons.org/licenses/by/4.0/deed.de'
MOBILITHEK_SUBSCRIPTION_URL = 'https://mobilithek.info:8443/mobilithek/api/v1.0/subscription'
DAILY = '0 1 * * *'


@dataclass(frozen=True)
class SourceSpec:
    uid: str
    name: str
    family: str
    static_url: str | None = None
    realtime_url: str | None = None
    public_url: str | None = None
    auth: str = 'none'  # none | api_key | token | basic | mtls | wsse
    required_config: tuple[str, ...] = ()
    static_cron: str = DAILY
    has_realtime: bool = False
    # realtime travels in the static payload: a realtime run re-fetches it and applies statuses only
    realtime_from_static: bool = False
    realtime_interval_seconds: int = 60
    attribution_license: str | None = None
    attribution_contributor: str | None = None
    attribution_url: str | None = None
    timezone: str = 'Europe/Berlin'
    country: str = 'DEU'
    datex_version: str | None = None
    mobilithek_offer_id: str | None = None
    push_inputs: tuple[str, ...] = field(default_factory=tuple)
    notes: str = ''

    @property
    def group(self) -> str:
        """Dagster asset group: the family, with DATEX II versions kept together."""
        return self.family

    def missing_config(self, config: object | None) -> list[str]:
        """The required keys `config` (a sources.options.SourceConfig) leaves unset (an empty secret is unset)."""
        if config is None:
            return list(self.required_config)
        return [key for key in self.required_config if not getattr(config, key, None)]


def _chargecloud(uid: str, name: str, path: str) -> SourceSpec:
    url = f'https://new-poi.chargecloud.de/{path}'
    return SourceSpec(
        uid=uid,
        name=name,
        family='chargecloud',
        static_url=url,
        public_url=url,
        has_realtime=True,
        realtime_from_static=True,
    )


_DATEX_3_5 = {
    'ampeco': ('AMPECO', '972837891969273856'),
    'chargecloud': ('chargecloud', '978597062404620288'),
    'ecomovement': ('Eco-Movement', '954064102947180544'),
    'elu_mobility': ('ELU Mobility', '936298491949047808'),
    'enbw': ('EnBW', '907574882292453376'),
    'enio': ('enio', '963766220171735040'),
    'erft': ('Stadtwerke Erft', '982969565784539136'),
    'eround': ('eRound', '961625658278940672'),
    'gridandco': ('Grid&Co', '984104561811357696'),
    'ladebusiness': ('Ladebusiness', '903241622921695232'),
    'lichtblick': ('Lichtblick', '962721207430316032'),
    'midorion': ('Midorion', '979435003058024448'),
    'monta': ('Monta', '963836072152719360'),
    'msu': ('msu', '970305056590979072'),
    'pump': ('PUMP', '969322788846231552'),
    'qwello': ('Qwello', '972963216296222720'),
    'smatrics': ('SMATRICS', '980809280034390016'),
    'taubert': ('Taubert', '1000749522967314432'),
    'tesla': ('Tesla', '953828817873125376'),
    'vaylens': ('vaylens', '979363267193040896'),
    'volkswagen': ('Volkswagen', '976221024898781184'),
    'wirelane': ('Wirelane', '869246425829892096'),
}
_DATEX_CONTRIBUTORS = {
    'enbw': 'EnBW AG',
    'gridandco': 'Grid&Co',
    'msu': 'msu',
    'volkswagen': 'Volkswagen Charging Group',
}
_MTLS_KEYS = ('static_subscription_id', 'mobilithek_cert_path', 'mobilithek_key_path')


def _datex(key: str, name: str, offer_id: str, version: str) -> SourceSpec:
    return SourceSpec(
        uid=f'datex2_{key}',
        name=f'{name} Datex II',
        family='datex2',
        static_url=MOBILITHEK_SUBSCRIPTION_URL,
        realtime_url=MOBILITHEK_SUBSCRIPTION_URL,
        public_url=f'https://mobilithek.info/offers/{offer_id}',
        auth='mtls',
        required_config=_MTLS_KEYS,
        has_realtime=True,
        attribution_license=CC_BY_4 if key == 'enbw' else 'CC-0',
        attribution_contributor=_DATEX_CONTRIBUTORS.get(key),
        datex_version=version,
        mobilithek_offer_id=offer_id,
        push_inputs=('datex2_realtime',) if version == '3.5' else (),
    )


def _build() -> dict[str, SourceSpec]:
    specs = [
        SourceSpec(
            uid='bnetza_api',
            name='Bundesnetzagentur',
            family='bnetza',
            static_url='https://ladesaeulenregister.bnetza.de/els/service/public/v1/chargepoints',
            public_url='https://www.bundesnetzagentur.de/DE/Fachthemen/ElektrizitaetundGas/E-Mobilitaet/start.html',
            static_cron='0 2 * * 1',
            attribution_license=CC_BY_4,
            attribution_contributor='Bundesnetzagentur',
            attribution_url=CC_BY_4_URL,
        ),
        SourceSpec(
            uid='bnetza_excel',
            name='Bundesnetzagentur',
            family='bnetza',
            static_url='https://www.bundesnetzagentur.de/DE/Fachthemen/ElektrizitaetundGas/E-Mobilitaet/DL/Ladesaeuleninfrastruktur.xlsx',
            public_url='https://www.bundesnetzagentur.de/DE/Fachthemen/ElektrizitaetundGas/E-Mobilitaet/start.html',
            static_cron='0 2 1 * *',
            attribution_license=CC_BY_4,
            attribution_contributor='Bundesnetzagentur',
            attribution_url=CC_BY_4_URL,
            push_inputs=('bnetza_upload',),
        ),
        _chargecloud('chargecloud_pforzheim', 'Stadtwerke Pforzheim', 'pforzheim'),
        _chargecloud('chargecloud_stuttgart', 'Stadtwerke Stuttgart', 'SW-Stuttgart'),
        _chargecloud('chargecloud_tuebingen', 'Stadtwerke Tübingen', 'tuebingen'),
        SourceSpec(
            uid='chargecloud_ludwigsburg',
            name='Stadtwerke Ludwigsburg',
            family='chargecloud_afir',
            static_url='https://afir.data.chargecloud.app/v1/2e60790a-4a07-446c-b4fc-30ce433a2735/locations',
            auth='api_key',
            required_config=('api_key',),
            has_realtime=True,
            realtime_from_static=True,
        ),
        SourceSpec(
            uid='eaaze_pbw',
            name='PBW',
            family='ocpi',
            static_url='https://ocpi.eaaze.cloud/cpo/2.2.1/locations',
            auth='token',
            required_config=('token',),
            has_realtime=True,
            realtime_from_static=True,
        ),
        SourceSpec(
            uid='ocpi_stadtnavi',
            name='Stadtnavi',
            family='ocpi',
            static_url='https://api.stadtnavi.de/herrenberg/charging-stations/charging-stations-ocpi.json',
            public_url='https://stadtnavi.de',
            has_realtime=True,
            realtime_from_static=True,
        ),
        SourceSpec(
            uid='giroe',
            name='GLS Mobility GmbH',
            family='giroe',
            auth='basic',
            required_config=('url', 'user', 'password'),
            has_realtime=True,
            push_inputs=('giroe_locations', 'giroe_connectors'),
        ),
        SourceSpec(
            uid='heilbronn_neckarbogen',
            name='Heilbronn Neckarbogen',
            family='goldbeck',
            static_url='https://control.goldbeck-parking.de/ipaw/services/charging/v1x0/charging-stations',
            auth='basic',
            required_config=('user', 'password'),
            has_realtime=True,
            realtime_from_static=True,
        ),
        SourceSpec(
            uid='lichtblick',
            name='Lichtblick',
            family='lichtblick',
            static_url='https://portal.lichtblick-emobility.de',
            auth='basic',
            required_config=('user', 'password'),
            has_realtime=True,
            realtime_from_static=True,
        ),
        SourceSpec(
            uid='ochp_albwerk',
            name='Albwerk',
            family='ochp',
            static_url='https://echs.e-clearing.net/service/ochp/v1.4',
            realtime_url='https://echs.e-clearing.net/live/ochp/v1.4',
            auth='wsse',
            required_config=('user', 'password'),
            has_realtime=True,
        ),
        SourceSpec(
            uid='ochp_ladenetz',
            name='Ladenetz',
            family='ochp',
            static_url='https://echs.e-clearing.net/service/ochp/v1.4',
            realtime_url='https://echs.e-clearing.net/live/ochp/v1.4',
            auth='wsse',
            required_config=('user', 'password'),
            has_realtime=True,
        ),
        SourceSpec(
            uid='opendata_swiss',
            name='OpenData Swiss',
            family='opendata_swiss',
            static_url='https://data.geo.admin.ch/ch.bfe.ladestellen-elektromobilitaet/data/oicp/ch.bfe.ladestellen-elektromobilitaet.json',
            realtime_url='https://data.geo.admin.ch/ch.bfe.ladestellen-elektromobilitaet/status/oicp/ch.bfe.ladestellen-elektromobilitaet.json',
            public_url='https://opendata.swiss/de/dataset/ladestationen-fuer-elektroautos',
            has_realtime=True,
            country='CHE',
        ),
    ]
    specs += [_datex(key, name, offer, '3.5') for key, (name, offer) in _DATEX_3_5.items()]
    specs.append(_datex('giroe', 'Giro-e', '980559859451379712', '3.7'))
    return {spec.uid: spec for spec in sorted(specs, key=lambda s: s.uid)}


REGISTRY: dict[str, SourceSpec] = _build()


def get_spec(uid: str) -> SourceSpec:
    try:
        return REGISTRY[uid]
    except KeyError:
        raise KeyError(f'unknown source uid {uid!r}; `ocpdb source list` shows the known ones') from None
