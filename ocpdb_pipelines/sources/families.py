"""Family name -> Family. Families register here; an unknown family is "not implemented"."""

from __future__ import annotations

from importlib import import_module

from ocpdb_pipelines.sources.base import Family, SourceNotImplemented
from ocpdb_pipelines.sources.registry import SourceSpec

# family name -> module path holding a module-level `FAMILY: Family`
FAMILY_MODULES: dict[str, str] = {
    'bnetza': 'ocpdb_pipelines.sources.bnetza.family',
    'datex2': 'ocpdb_pipelines.sources.datex2.family',
    'ochp': 'ocpdb_pipelines.sources.ochp.family',
    'chargecloud': 'ocpdb_pipelines.sources.chargecloud.family',
    'chargecloud_afir': 'ocpdb_pipelines.sources.chargecloud_afir.family',
    'ocpi': 'ocpdb_pipelines.sources.ocpi.family',
    'opendata_swiss': 'ocpdb_pipelines.sources.opendata_swiss.family',
    'goldbeck': 'ocpdb_pipelines.sources.goldbeck.family',
    'lichtblick': 'ocpdb_pipelines.sources.lichtblick.family',
    'giroe': 'ocpdb_pipelines.sources.giroe.family',
}


def get_family(spec: SourceSpec) -> Family:
    module_path = FAMILY_MODULES.get(spec.family)
    if module_path is None:
        raise SourceNotImplemented(f'source {spec.uid}: the importer for family {spec.family!r} is not implemented yet')
    family: Family = import_module(module_path).FAMILY
    return family
