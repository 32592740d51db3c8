"""Assets `regions/vg25` (the municipality polygons) and `regions/official_region_codes`."""

import dagster as dg

from ocpdb_pipelines.defs.downstream.automation import after_inputs_update
from ocpdb_pipelines.defs.resources import OcpdbConfig, PostgisResource
from ocpdb_pipelines.regions.assign import assign_region_codes, german_code_coverage
from ocpdb_pipelines.regions.vg25 import load_regions

VG25_KEY = dg.AssetKey(['regions', 'vg25'])
CODES_KEY = dg.AssetKey(['regions', 'official_region_codes'])


class Vg25Config(dg.Config):
    force: bool = False
    """Re-import even though the GeoPackage did not change."""


class RegionCodesConfig(dg.Config):
    source_uid: str | None = None
    """Only locations of this source."""
    re_assign: bool = False
    """Look up locations that already have a code too (a failed lookup keeps the old one)."""


@dg.asset(
    key=VG25_KEY,
    group_name='regions',
    kinds={'python', 'postgres'},
    description='German municipalities (BKG VG25, layer v_vg25_gem) in EPSG:4326; downloaded once, '
    're-imported only when the file changed.',
)
def vg25(config: Vg25Config, ocpdb: OcpdbConfig) -> dg.MaterializeResult:
    report = load_regions(ocpdb.settings(), force=config.force)
    return dg.MaterializeResult(
        metadata={
            'imported': report.imported,
            'municipalities': report.features,
            'skipped': report.skipped,
            'downloaded': report.downloaded,
            'file_sha256': report.file_sha256,
            'path': report.path,
        }
    )


def build_region_codes_asset(german_sources: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """Codes are written onto the locations of every German source, so those sources are its inputs:
    it re-runs after any of them (or VG25) updated."""
    return dg.asset(
        key=CODES_KEY,
        deps=[VG25_KEY, *german_sources],
        group_name='regions',
        kinds={'python', 'postgres'},
        description='The 12-digit Regionalschlüssel of every German location without one (never overwritten '
        'unless re-assigned). Runs by itself after German sources or VG25 changed; imports assign no codes.',
        check_specs=[dg.AssetCheckSpec('german_locations_have_codes', asset=CODES_KEY)],
        automation_condition=after_inputs_update([VG25_KEY]),
    )(official_region_codes)


def official_region_codes(config: RegionCodesConfig, postgis: PostgisResource) -> dg.MaterializeResult:
    with postgis.connection(autocommit=True) as conn:
        report = assign_region_codes(conn, source_uid=config.source_uid, re_assign=config.re_assign)
        missing = german_code_coverage(conn)
    share = missing['missing'] / missing['total'] if missing['total'] else 0.0
    check = dg.AssetCheckResult(
        check_name='german_locations_have_codes',
        passed=report.regions_available and share <= 0.01,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={'without_code': missing['missing'], 'german_locations': missing['total']},
    )
    return dg.MaterializeResult(
        metadata={
            'regions_available': report.regions_available,
            'candidates': report.candidates,
            'found': report.found,
            'updated': report.updated,
            'unresolved': report.unresolved,
        },
        check_results=[check],
    )
