"""The BNetzA API parse is exact: the staged rows and skipped records equal those of the reference parser.

`tests/foundation/bnetza_reference/api.py` keeps the API parser as it was before its fast paths (issue 13,
import floor: type-exact checks with the full check as fallback, connector and payment outcomes kept per
distinct value), on the project's own register (`Register`, whose rows did not change). It is the oracle:
the fast code must produce the same rows, the same skipped records in the same order, for the real fixture,
the generator's output with broken installations, and hand-made records that take every fallback. The
Excel layout's parse has no fast path (tests/foundation/test_bnetza_excel.py).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from ocpdb_pipelines.quality.coordinates import screen_for
from ocpdb_pipelines.samples.bnetza import write_bnetza_api_json
from ocpdb_pipelines.sources.bnetza import api
from tests.fixtures_dir import fixture_bytes
from tests.foundation.bnetza_reference import api as reference_api
from tests.foundation.helpers import BNETZA_API


def _staged(batch: Any, register: Any) -> tuple[list[Any], dict[str, dict[Any, tuple]]]:
    skipped = list(batch.skipped)
    rows = register.staged(screen_for('DEU'), skipped)
    return skipped, {table: dict(rows_of) for table, rows_of in rows.tables.items()}


def _api_both(body: bytes, ignore: tuple[str, ...] = ()) -> tuple[Any, Any]:
    new = api.parse([body], ignore_operators=ignore)
    old = reference_api.parse([body], ignore_operators=ignore)
    return _staged(new, new.tabular), _staged(old, old.tabular)


def test_real_api_fixture():
    new, old = _api_both(fixture_bytes(*BNETZA_API))
    assert new == old
    assert len(new[1]['stg_connector']) == 2012


def test_real_api_fixture_with_ignored_operator():
    body = fixture_bytes(*BNETZA_API)
    name = orjson.loads(body)['chargingStations'][0]['operator']['companyName']
    new, old = _api_both(body, ignore=(name,))
    assert new == old


@pytest.fixture(scope='module')
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp('bnetza')


def test_generated_api_register_with_broken_installations(generated: Path):
    body = write_bnetza_api_json(generated / 'api.json', 3000, seed=7, broken=40).read_bytes()
    new, old = _api_both(body)
    assert new == old
    assert len(new[0]) >= 40


def _edge_cases() -> list[Any]:
    """Records off the fast path: each must be skipped (or kept) with exactly the reference's reason."""
    base = orjson.loads(fixture_bytes(*BNETZA_API))['chargingStations'][0]
    cases: list[Any] = [None, [], 'text']

    def variant(**changes: Any) -> dict[str, Any]:
        record = copy.deepcopy(base)
        record['id'] = 9_000_000 + len(cases)
        record['coordinates']['latitude'] = 50.0 + len(cases) / 1000  # one location each
        for path, value in changes.items():
            target = record
            *parents, last = path.split('__')
            for part in parents:
                target = target[part]
            target[last] = value
        return record

    for changes in (
        {'id': True},
        {'id': '17'},
        {'postal_code': None},
        {'city': 5},
        {'coordinates': [50, 8]},
        {'coordinates__latitude': 50},  # an int: valid, off the fast path
        {'coordinates__longitude': 8},
        {'coordinates__latitude': True},
        {'coordinates__latitude': 91.0},
        {'coordinates__longitude': '8.1'},
        {'evses': {}},
        {'opening_days': None},
        {'payment_systems': 'Bargeld'},
        {'payment_systems': ['Bargeld', 1, True, None, '', 'Gold']},
        {'payment_systems': [1]},  # 1 and True are one dict key: neither outcome may be kept for the other
        {'payment_systems': [True]},
        {'payment_systems': [{}, 'Bargeld']},  # an empty object is skipped as a falsy name
        {'payment_systems': [{'a': 1}]},  # unhashable: the reference's TypeError
        {'payment_systems': [['x']]},
        {'opening_hours_specification': ['247']},
        {'opening_hours_specification': 'immer'},
        {'operator__companyName': '  '},
        {'operator__companyName': 7},
        {'status__operational': ['In Betrieb']},
        {'status__operational': 'Kaputt'},
        {'status__operational': 'In Wartung'},
        {'type': 'Superlader'},
        {'type': None},
        {'go_live_date': 20200101},
        {'go_live_date': '31.02.2020'},
        {'go_live_date': None},
        {'max_electric_power_station': True},
        {'max_electric_power_station': 150},
    ):
        cases.append(variant(**changes))
    for connector in (
        {'connector_type': 'AC Typ 2 Steckdose', 'max_electric_power_connector': 22},
        {'connector_type': 'AC Typ 2 Steckdose', 'max_electric_power_connector': 22.0},
        {'connector_type': 'AC Typ 2 Steckdose', 'max_electric_power_connector': True},
        {'connector_type': 'AC Typ 2 Steckdose', 'max_electric_power_connector': '22'},
        {'connector_type': 'AC Typ 2 Steckdose', 'max_electric_power_connector': None},
        {'connector_type': 'AC Schuko', 'max_electric_power_connector': 11},
        {'connector_type': 'AC Typ 2 Steckdose', 'max_electric_power_connector': -5.0},  # the model rejects it
        {'connector_type': 'AC Typ 2 Steckdose', 'max_electric_power_connector': -5.0},  # ... again, not kept
        {'connector_type': 'Kabellos/Induktiv'},
        {'connector_type': 'Stecker X'},
        {'connector_type': ''},
        {'connector_type': 0},
        {'connector_type': 12},
        {'connector_type': ['AC Schuko']},
        {},
        'not an object',
    ):
        cases.append(variant(evses=[{'connectors': [connector]}]))
    cases.append(variant(evses=[{'connectors': {}}, 'x', {'connectors': []}, {}]))
    cases.append(variant(evses=[{'evse_id': 'E' * 49, 'connectors': [{'connector_type': 'AC Schuko'}]}]))
    return cases


def test_records_off_the_fast_path():
    body = orjson.dumps({'chargingStations': _edge_cases()})
    new, old = _api_both(body)
    assert new == old
    reasons = [record.reason for record in new[0]]
    assert 'id missing or not an integer' in reasons
    assert 'unknown payment system 1 ignored' in reasons
    assert 'unknown payment system True ignored' in reasons
    # the second rejected connector (-5 kW) is reported like the first: a rejection is not kept
    assert sum('max_electric_power' in reason for reason in reasons) == 2
