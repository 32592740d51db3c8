"""Family name -> Family. Families register here; an unknown family is "not implemented"."""

from __future__ import annotations

from importlib import import_module

from ocpdb_pipelines.sources.base import Family, SourceNotImplemented
from ocpdb_pipelines.sources.registry import SourceSpec

# family name -> module path holding a module-level `FAMILY: Family`
FAMILY_MODULES: dict[str, str] = {
    'bnetza': 'ocpdb_pipelines.sources.bnetza.family',
}


def get_family(spec: SourceSpec) -> Family:
    module_path = FAMILY_MODULES.get(spec.family)
    if module_path is None:
        raise SourceNotImplemented(
            f'source {spec.uid}: the importer for family {spec.family!r} is not implemented yet'
        )
    family: Family = import_module(module_path).FAMILY
    return family
