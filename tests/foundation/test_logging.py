"""Logging: context attributes reach both formatters."""

from __future__ import annotations

import json
import logging

from ocpdb_pipelines.logs import AttributesFormatter, LogMessageType, OpenTelemetryFormatter, attributes, log_context


def _record(message='imported %s', args=('x',), **extra) -> logging.LogRecord:
    record = logging.LogRecord('ocpdb_pipelines.imports', logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_open_telemetry_formatter():
    formatter = OpenTelemetryFormatter(prefix='ocpdb', service_name='OCPDB')
    with log_context(source='bnetza_api', evse='E1'):
        line = formatter.format(_record(**attributes(LogMessageType.IMPORT_SOURCE)))
    document = json.loads(line)
    assert document['Body'] == 'imported x'
    assert document['SeverityText'] == 'INFO'
    assert document['SeverityNumber'] == 10
    assert document['Resource']['service.name'] == 'OCPDB'
    assert document['Attributes']['ocpdb.source'] == 'bnetza_api'
    assert document['Attributes']['ocpdb.evse'] == 'E1'
    assert document['Attributes']['ocpdb.type'] == 'import-source'
    assert len(document['TraceId']) == 32
    assert isinstance(document['Timestamp'], int)


def test_human_readable_formatter_has_context_defaults():
    formatter = AttributesFormatter('%(source)s|%(location)s|%(message)s')
    assert formatter.format(_record()) == '-|-|imported x'
    with log_context(source='giroe', location=7):
        assert formatter.format(_record()) == 'giroe|7|imported x'
