"""BNetzA duplicate matching: static register entries linked to the live location they describe."""

from ocpdb_pipelines.matching.service import STATIC_SOURCES, MatchReport, run_matching

__all__ = ['STATIC_SOURCES', 'MatchReport', 'run_matching']
