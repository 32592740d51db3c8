"""DATEX II 3.5 / 3.7 exports (JSON, 3.7 also XML) and the Mobilithek push."""

from ocpdb_pipelines.exports.datex2.document import Kind, Protocol
from ocpdb_pipelines.exports.datex2.export import ExportReport, export, write_export
from ocpdb_pipelines.exports.datex2.push import (
    WATERMARK_KEY,
    PushReport,
    push_realtime_diff,
    push_realtime_full,
    push_static,
)

__all__ = [
    'WATERMARK_KEY',
    'ExportReport',
    'Kind',
    'Protocol',
    'PushReport',
    'export',
    'push_realtime_diff',
    'push_realtime_full',
    'push_static',
    'write_export',
]
