"""Logging as the predecessor's §8: context attributes, a human-readable and an OpenTelemetry formatter.

Context (source, initiator, location, evse, image) lives in context variables, so it follows the
code that sets it (`log_context(source=uid)`) and every record emitted inside picks it up. Configure
with `configure_logging(settings.LOGGING)`, a `logging.config.dictConfig` dictionary whose formatters
may use `()`: `ocpdb_pipelines.logs.AttributesFormatter` / `OpenTelemetryFormatter`.
"""

from __future__ import annotations

import json
import logging
import logging.config
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import Enum
from typing import Any

CONTEXT_KEYS = ('source', 'initiator', 'location', 'evse', 'image')
_context: ContextVar[dict[str, Any]] = ContextVar('ocpdb_log_context', default={})  # noqa: B039


class LogMessageType(str, Enum):  # noqa: UP042 -- the str mixin keeps json.dumps of the value simple
    EXCEPTION = 'exception'
    DUPLICATE_HANDLING = 'duplicate-handling'
    IMPORT_SOURCE = 'import-source'
    IMPORT_LOCATION = 'import-location'
    IMPORT_EVSE = 'import-evse'
    IMPORT_IMAGE = 'import-image'
    MISC = 'misc'
    MAIN = 'main'


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Add context attributes to every log record emitted inside the block."""
    unknown = set(values) - set(CONTEXT_KEYS)
    if unknown:
        raise ValueError(f'unknown log context keys: {sorted(unknown)}')
    token = _context.set({**_context.get(), **{k: v for k, v in values.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, Any]:
    return dict(_context.get())


def attributes(message_type: LogMessageType = LogMessageType.MISC, **extra: Any) -> dict[str, Any]:
    """`extra=` for a log call: `logger.info('...', extra=attributes(LogMessageType.IMPORT_SOURCE))`."""
    return {'attributes': {'type': message_type, **extra}}


class AttributesFormatter(logging.Formatter):
    """Human-readable: copies the context keys onto the record so a format string can use %(source)s."""

    def format(self, record: logging.LogRecord) -> str:
        context = current_context()
        for key in CONTEXT_KEYS:
            if not hasattr(record, key):
                setattr(record, key, context.get(key, '-'))
        return super().format(record)


_SEVERITY = {
    logging.DEBUG: ('DEBUG', 5),
    logging.INFO: ('INFO', 10),
    logging.WARNING: ('WARN', 15),
    logging.ERROR: ('ERROR', 20),
    logging.CRITICAL: ('CRITICAL', 25),
}


def _attribute_key(prefix: str, key: str) -> str:
    return f'{prefix}.{re.sub(r"[^A-Za-z0-9_]", "_", key).lower()}'


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


class OpenTelemetryFormatter(logging.Formatter):
    """One JSON object per record in the OpenTelemetry log data model."""

    def __init__(self, prefix: str = 'ocpdb', service_name: str = 'OCPDB', **kwargs: Any):
        super().__init__(**kwargs)
        self.prefix = prefix
        self.service_name = service_name

    def format(self, record: logging.LogRecord) -> str:
        attrs: dict[str, Any] = {}
        for key, value in current_context().items():
            attrs[_attribute_key(self.prefix, key)] = _plain(value)
        for key, value in (getattr(record, 'attributes', None) or {}).items():
            attrs[_attribute_key(self.prefix, key.name if isinstance(key, Enum) else str(key))] = _plain(value)
        attrs['logger.file_name'] = record.pathname
        attrs['logger.module_path'] = record.name
        attrs['logger.module'] = record.module
        if record.exc_info:
            attrs['exception.stacktrace'] = self.formatException(record.exc_info)
        severity_text, severity_number = _SEVERITY.get(record.levelno, ('INFO', 10))
        body = record.getMessage()  # the predecessor sent the unformatted msg; the formatted one is what people read
        return json.dumps(
            {
                'Timestamp': int(record.created * 1_000_000_000),
                'Attributes': attrs,
                'Resource': {'service.name': self.service_name, 'service.pid': os.getpid()},
                'TraceId': getattr(record, 'trace_id', None) or secrets.token_hex(16),
                'SpanId': getattr(record, 'span_id', None) or secrets.token_hex(8),
                'SeverityText': severity_text,
                'SeverityNumber': severity_number,
                'Body': body,
            },
            ensure_ascii=False,
        )


DEFAULT_LOGGING: dict[str, Any] = {
    'version': 1,
    'disable_existing_loggers': False,
    'formatters': {
        'human_readable': {
            '()': 'ocpdb_pipelines.logs.AttributesFormatter',
            'format': '%(asctime)s %(levelname)s [%(source)s] %(name)s: %(message)s',
        },
    },
    'handlers': {
        'console': {'class': 'logging.StreamHandler', 'formatter': 'human_readable', 'level': 'INFO'},
    },
    'loggers': {'ocpdb_pipelines': {'level': 'INFO', 'handlers': ['console'], 'propagate': False}},
}


def configure_logging(config: dict[str, Any] | None) -> None:
    """Apply the LOGGING dictConfig; a bare `{version: 1}` means our default console setup."""
    if not config or set(config) <= {'version'}:
        config = DEFAULT_LOGGING
    logging.config.dictConfig(config)
