"""The generated OpenAPI document passes independent linters with 0 errors.

openapi-spec-validator (PyPI), Redocly CLI with its recommended rules and Spectral with `spectral:oas`
(npm, installed from tools/package.json by scripts/run: `cd tools && npm ci`). Warnings are allowed; the
remaining Redocly warnings are `operation-4xx-response` on the five operations that take no input
(/metrics, /health, /tiles.json, /ocpi/versions, /ocpi/2.2.1): they have no 4xx answer to declare.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from ocpdb_api.routes import openapi

TOOLS = Path(__file__).resolve().parents[2] / 'tools'
BIN = TOOLS / 'node_modules' / '.bin'
QUIET = {'REDOCLY_TELEMETRY': 'off', 'REDOCLY_SUPPRESS_UPDATE_NOTICE': 'true', 'NO_COLOR': '1'}


@pytest.fixture(scope='module')
def document_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp('openapi') / 'public.json'
    path.write_text(json.dumps(openapi.document('http://127.0.0.1:8000')))
    return path


def _tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.skip(f'{name} is not installed: cd tools && npm ci (scripts/run does it)')
    return path


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=TOOLS, env={**os.environ, **QUIET})


def test_openapi_spec_validator(document_file):
    validate(json.loads(document_file.read_text()))


def test_redocly_recommended_has_no_errors(document_file):
    result = _run([str(_tool('redocly')), 'lint', '--config', 'redocly.yaml', '--format', 'json', str(document_file)])
    report = json.loads(result.stdout[result.stdout.index('{') :])
    errors = [p for p in report['problems'] if p['severity'] == 'error']
    assert errors == [], errors[:5]
    assert report['totals']['errors'] == 0


def test_spectral_oas_has_no_errors(document_file):
    result = _run(
        [
            str(_tool('spectral')),
            'lint',
            '--quiet',
            '--ruleset',
            '.spectral.yaml',
            '--format',
            'json',
            str(document_file),
        ]
    )
    problems = json.loads(result.stdout)
    errors = [p for p in problems if p['severity'] == 0]
    assert errors == [], errors[:5]
    assert result.returncode == 0, result.stderr[-1000:]


def test_document_states_the_rules_and_security():
    doc = openapi.document('http://127.0.0.1:8000')
    assert doc['security'] == [{}]
    locations = doc['paths']['/api/public/v1/locations']['get']
    assert locations['x-parameter-rules'] == [openapi.RADIUS_RULE, openapi.BBOX_RULE]
    assert 'lat, lon and radius are given together' in locations['description']
    tile = doc['paths']['/tiles/{z}/{x}/{y}.mvt']['get']
    assert '2^z - 1' in tile['description']
    params = {p['name']: p for p in locations['parameters']}
    assert params['strict']['schema'] == {'type': 'boolean'}
    assert params['limit']['allowEmptyValue'] is True
    assert params['evse_status']['schema']['type'] == 'array'
    assert params['evse_status']['explode'] is False
    realtime_37 = doc['paths']['/api/public/datex/v3.7/json/realtime']['get']['description']
    assert 'aegiEnergyInfrastructureStatusPublication' in realtime_37
