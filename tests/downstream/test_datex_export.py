"""DATEX II exports from rows in PostGIS: field by field and against the shared schemas."""

from __future__ import annotations

import io
import json
from pathlib import Path

import orjson
import pytest

from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.exports.datex2 import Kind, Protocol, export, write_export
from tests.downstream import rows
from tests.downstream.datex_data import full_site, static_only_site
from tests.downstream.datex_schemas import json_errors, xsd_37
from tests.fixtures_dir import schemas_dir

ML = lambda text: {'values': [{'lang': 'de', 'value': text}]}  # noqa: E731


def _document(db_url: str, version: str, kind: Kind, **kwargs) -> dict:
    out = io.BytesIO()
    with connect(db_url) as conn:
        write_export(conn, out, version, kind, **kwargs)
    return json.loads(out.getvalue())


@pytest.mark.parametrize('version', ['3.5', '3.7'])
@pytest.mark.parametrize('kind', [Kind.STATIC, Kind.REALTIME])
@pytest.mark.parametrize('envelope', [None, (Protocol.SNAPSHOT, 'OCPDB'), (Protocol.DELTA, None)])
def test_every_payload_is_schema_valid(db, db_url, version, kind, envelope) -> None:
    full_site(db, 'L1')
    full_site(db, 'L2')
    static_only_site(db)
    doc = _document(db_url, version, kind, envelope=envelope)
    assert json_errors(doc, version, str(kind)) == []


def test_validator_catches_errors(db, db_url) -> None:
    full_site(db)
    doc = _document(db_url, '3.5', Kind.STATIC)
    site = doc['payload']['aegiEnergyInfrastructureTablePublication']['energyInfrastructureTable'][0][
        'energyInfrastructureSite'
    ][0]
    site['energyInfrastructureStation'][0]['refillPoint'][0]['aegiElectricChargingPoint']['connector'][0][
        'connectorType'
    ] = {'value': 'iec62196T2Combo'}  # the predecessor's doc spelling, not the wire value
    assert json_errors(doc, '3.5', 'static')


def test_static_35_fields(db, db_url) -> None:
    ids = full_site(db)
    static_only_site(db)
    doc = _document(db_url, '3.5', Kind.STATIC)
    payload = doc['payload']
    assert {k: payload[k] for k in ('modelBaseVersionG', 'versionG', 'profileNameG', 'profileVersionG')} == {
        'modelBaseVersionG': '3',
        'versionG': '3.5',
        'profileNameG': 'Afir Energy Infrastructure',
        'profileVersionG': '01-00-00',
    }
    publication = payload['aegiEnergyInfrastructureTablePublication']
    assert publication['lang'] == 'de'
    assert publication['publicationCreator'] == {'country': 'DE', 'nationalIdentifier': 'OCPDB'}
    table = publication['energyInfrastructureTable'][0]
    assert (table['idG'], table['versionG']) == ('1', '1')
    [site] = table['energyInfrastructureSite']  # the STATIC-only register entry is not exported
    assert site['idG'] == 'L1'
    assert site['versionG'] == '2026-01-15T12:00:00+00:00'
    assert site['additionalInformation'] == [ML('Test Site')]
    assert site['operatingHours'] == {'afacOpenAllHours': {}}
    address = {
        'postcode': '70173',
        'city': ML('Stuttgart'),
        'countryCode': 'DE',
        'addressLine': [
            {'order': 1, 'type': {'value': 'street'}, 'text': ML('Test Street')},
            {'order': 2, 'type': {'value': 'houseNumber'}, 'text': ML('123')},
        ],
    }
    assert site['locationReference'] == {
        'locAreaLocation': {'coordinatesForDisplay': {'latitude': 48.7, 'longitude': 9.1}},
        'locPointLocation': {'locLocationExtensionG': {'FacilityLocation': {'address': address}}},
    }
    assert site['operator'] == {
        'afacAnOrganisation': {
            'name': ML('EnBW'),
            'externalIdentifier': [
                {'identifier': 'DE*EBW', 'typeOfIdentifier': {'value': 'extendedG', 'extendedValueG': 'operatorId'}}
            ],
        }
    }
    assert site['owner'] == {'afacAnOrganisation': {'name': ML('Stadt Stuttgart')}}
    assert site['helpdesk']['afacReferenceableOrganisation']['name'] == ML('EnBW')
    assert site['helpdesk']['afacReferenceableOrganisation']['organisationUnit'] == [
        {'contactInformation': [{'afacContactInformation': {'telephoneNumber': '+49 721 0'}}]}
    ]
    assert site['dedicatedParkingSpaces'] == [
        {
            'idG': 'PARKING',
            'versionG': '2026-01-15T12:00:00+00:00',
            'numberOfSpaces': 2,
            'applicableForVehicles': [
                {
                    'comVehicleCharacteristicsExtensionG': {
                        'VehicleCharacteristicsExtended': {'euVehicleCategory': [{'value': 'm1'}]}
                    },
                    'grossWeightCharacteristic': [
                        {
                            'comparisonOperator': {'value': 'lessThanOrEqualTo'},
                            'grossVehicleWeight': 3.5,
                            'typeOfWeight': {'value': 'maximumPermitted'},
                        }
                    ],
                    'heightCharacteristic': [
                        {'comparisonOperator': {'value': 'lessThanOrEqualTo'}, 'vehicleHeight': 2.0}
                    ],
                }
            ],
            'amenities': {'roofed': True, 'illuminated': False},
            'accessibility': [{'value': 'barrierFreeAccessible'}],
        }
    ]
    [station] = site['energyInfrastructureStation']
    assert station['idG'] == 'L1-CS1'
    assert station['numberOfRefillPoints'] == 2
    assert station['totalMaximumPower'] == 150000.0  # highest connector, not the last one
    assert station['serviceType'] == [{'serviceType': {'value': 'physicalAttendance'}}]
    assert station['authenticationAndIdentificationMethods'] == [
        {'value': 'creditCard'},
        {'value': 'rfid'},
        {'value': 'plc'},
    ]
    assert station['userInterfaceLanguage'] == ['de', 'en']
    # the predecessor crashed here; the station's own coordinates with the location's address
    assert station['locationReference'] == {
        'locPointLocation': {
            'coordinatesForDisplay': {'latitude': 48.7001, 'longitude': 9.1002},
            'locLocationExtensionG': {'FacilityLocation': {'address': address}},
        }
    }
    point = station['refillPoint'][0]['aegiElectricChargingPoint']
    assert point['idG'] == 'L1-E1'
    assert point['deliveryUnit'] == {'value': 'kWh'}
    assert point['currentType'] == {'value': 'dc'}
    assert point['numberOfConnectors'] == 3
    assert point['availableVoltage'] == [400, 120, 230]
    assert point['availableChargingPower'] == [150000, 2400, 3680]
    assert point['connector'] == [
        {
            'connectorType': {'value': 'iec62196T2COMBO'},
            'maxPowerAtSocket': 150000.0,
            'voltage': 400,
            'maximumCurrent': 375,
            'connectorFormat': {'value': 'cableMode3'},
        },
        {
            'connectorType': {'value': 'other'},
            'maxPowerAtSocket': 2400.0,
            'voltage': 120,
            'maximumCurrent': 20,
            'connectorFormat': {'value': 'socket'},
        },
        {
            'connectorType': {'value': 'domesticF'},
            'maxPowerAtSocket': 3680.0,
            'voltage': 230,
            'maximumCurrent': 16,
            'connectorFormat': {'value': 'socket'},
        },
    ]
    [energy] = point['electricEnergy']
    assert energy['isGreenEnergy'] is True
    [rate] = energy['energyRate']
    assert rate['idG'] == 'T1'
    assert rate['ratePolicy'] == {'value': 'contract'}
    assert rate['applicableCurrency'] == ['EUR']
    assert rate['energyPrice'][0] == {
        'priceType': {'value': 'pricePerKWh'},
        'value': 0.49,
        'taxRate': 19.0,
        'timeBasedApplicability': {'fromMinute': 60, 'toMinute': 120},
        'overallPeriod': {
            'overallStartTime': '2026-01-15T12:00:00+00:00',
            'validPeriod': [
                {'recurringTimePeriodOfDay': [{'startTimeOfPeriod': '08:00:00', 'endTimeOfPeriod': '23:59:00'}]}
            ],
        },
        'energyBasedApplicability': {'fromKWh': 1, 'toKWh': 50},
    }
    assert rate['energyPrice'][1]['priceType'] == {'value': 'pricePerMinute'}
    static_point = station['refillPoint'][1]['aegiElectricChargingPoint']
    assert static_point['currentType'] == {'value': 'ac'}
    assert ids


def test_static_37_fields(db, db_url) -> None:
    full_site(db)
    doc = _document(db_url, '3.7', Kind.STATIC)
    publication = doc['payload']['egiEnergyInfrastructureTablePublication']
    assert publication['publicationTime'].endswith('Z')
    [site] = publication['energyInfrastructureTable'][0]['energyInfrastructureSite']
    assert site['name'] == ML('Test Site')
    assert site['lastUpdated'] == '2026-01-15T12:00:00Z'
    assert site['locationReference']['locPointLocation']['pointByCoordinates'] == {
        'pointCoordinates': {'latitude': 48.7, 'longitude': 9.1}
    }
    assert site['operator']['facOrganisationSpecification']['externalCode'] == 'DE*EBW'
    [station] = site['energyInfrastructureStation']
    # the station's own coordinates (the predecessor repeated the location's)
    assert station['locationReference']['locPointLocation']['pointByCoordinates'] == {
        'pointCoordinates': {'latitude': 48.7001, 'longitude': 9.1002}
    }
    point = station['refillPoint'][0]['egiElectricChargingPoint']
    assert point['availableVoltage'] == [400.0, 120.0, 230.0]
    # NEMA has no 3.7 value and is skipped
    assert [c['connectorType']['value'] for c in point['connector']] == ['iec62196T2COMBO', 'domesticF']
    assert point['electricEnergyMix'] == [{'energyMixIndex': 1, 'isGreenEnergy': True}]


@pytest.mark.parametrize(
    ('version', 'profile', 'stamp'),
    [
        ('3.5', 'AFIR Energy Infrastructure', '2026-01-15T12:00:00+00:00'),
        ('3.7', 'Afir Energy Infrastructure', '2026-01-15T12:00:00Z'),
    ],
)
def test_realtime_fields(db, db_url, version, profile, stamp) -> None:
    full_site(db)
    static_only_site(db)
    doc = _document(db_url, version, Kind.REALTIME)
    assert doc['payload']['profileNameG'] == profile
    publication = doc['payload']['aegiEnergyInfrastructureStatusPublication']
    [site] = publication['energyInfrastructureSiteStatus']
    assert site['reference'] == {'targetClass': 'FacilityObject', 'idG': 'L1', 'versionG': '2026-01-15T12:00:00+00:00'}
    assert site['lastUpdated'] == stamp
    [station] = site['energyInfrastructureStationStatus']
    assert station['reference']['idG'] == 'L1-CS1'
    # the STATIC EVSE is left out
    assert station['refillPointStatus'] == [
        {
            'aegiRefillPointStatus': {
                'reference': {'targetClass': 'FacilityObject', 'idG': 'L1-E1', 'versionG': '2026-01-15T12:00:00+00:00'},
                'lastUpdated': stamp,
                'status': {'value': 'charging'},
            }
        }
    ]


def test_status_wire_values(db, db_url) -> None:
    loc = rows.location(db, 'datex2_enbw', 'L', 48.0, 9.0)
    cs = rows.station(db, loc, 'CS')
    statuses = [
        'AVAILABLE',
        'BLOCKED',
        'CHARGING',
        'INOPERATIVE',
        'OUTOFORDER',
        'PLANNED',
        'REMOVED',
        'RESERVED',
        'UNKNOWN',
    ]
    for status in statuses:
        rows.evse(db, cs, status, status=status)
    doc = _document(db_url, '3.5', Kind.REALTIME)
    points = doc['payload']['aegiEnergyInfrastructureStatusPublication']['energyInfrastructureSiteStatus'][0][
        'energyInfrastructureStationStatus'
    ][0]['refillPointStatus']
    assert [p['aegiRefillPointStatus']['status']['value'] for p in points] == [
        'available',
        'blocked',
        'charging',
        'inoperative',
        'outOfOrder',
        'planned',
        'removed',
        'reserved',
        'unknown',
    ]


def test_empty_database_gives_empty_site_lists(db, db_url) -> None:
    static_only_site(db)
    for version in ('3.5', '3.7'):
        static = _document(db_url, version, Kind.STATIC)
        key = (
            'egiEnergyInfrastructureTablePublication'
            if version == '3.7'
            else 'aegiEnergyInfrastructureTablePublication'
        )
        assert static['payload'][key]['energyInfrastructureTable'][0]['energyInfrastructureSite'] == []
        realtime = _document(db_url, version, Kind.REALTIME)
        assert realtime['payload']['aegiEnergyInfrastructureStatusPublication']['energyInfrastructureSiteStatus'] == []
        # the schema demands at least one site per table: an empty static export cannot be valid, which is
        # why push_static does not send one
        assert any('should be non-empty' in e for e in json_errors(static, version, 'static'))


def test_xml_37_is_valid_against_the_xsd(db, db_url) -> None:
    full_site(db, 'L1')
    full_site(db, 'L2')
    rows.site_with_evses(db, 'ocpi_stadtnavi', 'bare', 48.1, 9.2, 1)  # no address, no operator
    out = io.BytesIO()
    with connect(db_url) as conn:
        assert write_export(conn, out, '3.7', Kind.STATIC, 'xml', schemas=schemas_dir() / 'datex2') == 3
    text = out.getvalue().decode()
    assert list(xsd_37().iter_errors(text)) == []
    assert 'xsi:type="fac:OrganisationSpecification"' in text
    assert '<egi:connectorType>iec62196T2COMBO</egi:connectorType>' in text


def test_xml_only_for_37_static(db, db_url) -> None:
    with connect(db_url) as conn, pytest.raises(ValueError, match=r'3\.7 static'):
        write_export(conn, io.BytesIO(), '3.5', Kind.STATIC, 'xml')


def test_export_writes_files(settings, tmp_path: Path) -> None:
    with connect(settings.database.url.get_secret_value(), autocommit=True) as db:
        full_site(db)
    report = export(settings, '3.5', 'static', 'json', tmp_path / 'out' / 'static.json')
    assert report.sites == 1
    doc = orjson.loads((tmp_path / 'out' / 'static.json').read_bytes())
    assert json_errors(doc, '3.5', 'static') == []
    default = export(settings, '3.7', 'static', 'xml')
    assert Path(default.path).name == 'datex2_v3.7_static.xml'
    assert list(xsd_37().iter_errors(Path(default.path).read_text())) == []
    assert [p.name for p in Path(default.path).parent.iterdir() if p.name.startswith('.')] == []


def test_the_xml_writer_takes_its_xsd_from_the_configured_schema_dir(db, settings, tmp_path, monkeypatch):
    """`exports.datex2_schema_dir` is where the 3.7 XML writer finds its XSD, as the asset checks do: with no
    schemas beside the checkout, the configured directory works and its absence is a clear error (the writer
    used to look beside the checkout only, whatever was configured)."""
    from ocpdb_pipelines.exports.datex2 import validate

    monkeypatch.setattr(validate, 'PROJECT_ROOT', tmp_path / 'nowhere')
    full_site(db, 'L1')
    configured = settings.with_values(exports={'datex2_schema_dir': str(schemas_dir() / 'datex2')})
    report = export(configured, '3.7', 'static', 'xml', tmp_path / 'static.xml')
    assert report.sites == 1
    assert list(xsd_37().iter_errors((tmp_path / 'static.xml').read_text())) == []
    unconfigured = settings.with_values(exports={'datex2_schema_dir': None})
    with pytest.raises(FileNotFoundError, match=r'exports\.datex2_schema_dir'):
        export(unconfigured, '3.7', 'static', 'xml', tmp_path / 'none.xml')
