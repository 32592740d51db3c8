"""Validators for the shared DATEX II schemas, read in place through tests/fixtures_dir."""

from __future__ import annotations

from typing import Any

import xmlschema

from ocpdb_pipelines.exports.datex2 import validate
from tests.fixtures_dir import schemas_dir


def json_errors(document: Any, version: str, kind: str) -> list[str]:
    return validate.json_errors(schemas_dir() / 'datex2', document, version, kind)


def xsd_37() -> xmlschema.XMLSchema:
    return validate.xsd_37(schemas_dir() / 'datex2')
