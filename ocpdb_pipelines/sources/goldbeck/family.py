"""heilbronn_neckarbogen (Goldbeck IPCM): `?maxResults=1000` with HTTP Basic auth; realtime re-fetches
the same list (conditional GET / payload hash) and applies the outlet statuses only."""

from __future__ import annotations

from ocpdb_pipelines.sources.common.single_document import single_document_family
from ocpdb_pipelines.sources.goldbeck import parse

FAMILY = single_document_family('goldbeck', parse.parse_static, parse.parse_realtime, params={'maxResults': 1000})
