"""German regional keys (Regionalschlüssel): the VG25 municipality layer and the assignment to locations."""

from ocpdb_pipelines.regions.assign import AssignReport, assign_region_codes, regions_available
from ocpdb_pipelines.regions.vg25 import Vg25Report, load_regions, load_vg25

__all__ = ['AssignReport', 'Vg25Report', 'assign_region_codes', 'load_regions', 'load_vg25', 'regions_available']
