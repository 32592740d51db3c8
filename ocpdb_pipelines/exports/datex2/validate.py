"""Validate DATEX II exports against the official JSON schemas (and the 3.7 XSD).

The schemas are not shipped with the project: `schema_root(settings)` finds them (config
DATEX2_SCHEMA_DIR, default `../shared/schemas/datex2` beside the checkout) and callers treat a missing
directory as "cannot validate", never as "valid".
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import xmlschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ocpdb_pipelines.config import PROJECT_ROOT, Settings

_BASE = 'https://datex2.invalid/'


def schema_root(settings: Settings | None = None) -> Path | None:
    """`exports.datex2_schema_dir`, else `../shared/schemas/datex2` beside the checkout; None if not there."""
    configured = settings.exports.datex2_schema_dir if settings else None
    root = Path(configured) if configured else PROJECT_ROOT.parent / 'shared' / 'schemas' / 'datex2'
    return root if (root / 'v3_5').is_dir() else None


def _folder(root: Path, version: str, kind: str) -> Path:
    if version == '3.5':
        return root / 'v3_5' / 'json' / kind
    # the 3.7 set has no status publication: 3.7 realtime keeps the 3.5 status structure
    return root / 'v3_7' / 'json' if kind == 'static' else root / 'v3_5' / 'json' / 'realtime'


@cache
def _registry(folder: Path, prefix: str = '') -> Registry:
    resources = [
        (_BASE + prefix + f.name, Resource.from_contents(json.loads(f.read_text()), default_specification=DRAFT202012))
        for f in folder.glob('*.json')
    ]
    return Registry().with_resources(resources)


def _defs_key(folder: Path) -> str:
    common = json.loads((folder / 'DATEXII_3_Common.json').read_text())
    return '$defs' if '$defs' in common else 'definitions'


def json_errors(root: Path, document: Any, version: str, kind: str, *, formats: bool = False) -> list[str]:
    """Schema errors of a `{"payload": ...}` document, or of a push body (payload + exchangeInformation).

    With `formats`, `format` keywords are checked too (jsonschema's FormatChecker); see `format_errors`."""
    return [f'{list(e.absolute_path)}: {e.message[:300]}' for e in _errors(root, document, version, kind, formats)]


def format_errors(root: Path, document: Any, version: str, kind: str) -> list[tuple[str, str, Any]]:
    """(format, path, value) of every `format` violation (FormatChecker on); other schema errors are not listed."""
    return [
        (e.validator_value, '/'.join(map(str, e.absolute_path)), e.instance)
        for e in _errors(root, document, version, kind, True)
        if e.validator == 'format'
    ]


def _errors(root: Path, document: Any, version: str, kind: str, formats: bool) -> list[jsonschema.ValidationError]:
    folder = _folder(root, version, kind)
    defs = _defs_key(folder)
    properties: dict[str, Any] = {'payload': {'$ref': f'{_BASE}DATEXII_3_Common.json#/{defs}/PayloadPublicationG'}}
    registry = _registry(folder)
    if 'exchangeInformation' in document:
        properties['exchangeInformation'] = {
            '$ref': f'{_BASE}exchange/DATEXII_3_ExchangeInformation.json#/definitions/ExchangeInformation'
        }
        registry = registry.combine(_registry(root / 'v3_5' / 'json' / 'realtime', 'exchange/'))
    schema = {'type': 'object', 'additionalProperties': False, 'required': ['payload'], 'properties': properties}
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER if formats else None
    validator = jsonschema.Draft202012Validator(schema, registry=registry, format_checker=checker)
    return list(validator.iter_errors(document))


@cache
@cache
def xsd_37(root: Path) -> xmlschema.XMLSchema:
    """The 3.7 XSD under a schema root (the XML writer's guide and the XML check's schema), loaded once."""
    return xmlschema.XMLSchema(str(root / 'v3_7' / 'xml' / 'DATEXII_3_D2Payload.xsd'))
