"""The API's exceptions: a handler raises one, the exception handlers of ocpdb_api/handlers.py render it.

Neutral: every layer may raise these (parameters, queries, routes); this module imports none of them.
"""

from __future__ import annotations

from typing import Any

VALIDATION_MESSAGE = 'Validation errors in query parameters.'


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.data = data


class NotFound(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(404, 'not_found', message)


class ParamError(ApiError):
    """A query or path parameter is invalid: 400 naming the parameter in `data.field_errors`."""

    def __init__(self, name: str, code: str, reason: str) -> None:
        data = {'code': 'field_errors', 'field_errors': {name: {'code': code, 'reason': reason}}}
        super().__init__(400, 'validation_error', VALIDATION_MESSAGE, data)
        self.param = name


class PostValidationError(ApiError):
    def __init__(self, reason: str) -> None:
        data = {'code': 'post_validation_errors', 'error': {'code': 'unknown_error', 'reason': reason}}
        super().__init__(400, 'validation_error', VALIDATION_MESSAGE, data)
