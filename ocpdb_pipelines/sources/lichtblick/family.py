"""lichtblick: one GET of the configured URL with HTTP Basic auth (the predecessor never sent the
credentials); realtime re-fetches it (conditional GET / payload hash) and applies statuses only."""

from __future__ import annotations

from ocpdb_pipelines.sources.common.single_document import single_document_family
from ocpdb_pipelines.sources.lichtblick import parse

FAMILY = single_document_family('lichtblick', parse.parse_static, parse.parse_realtime)
