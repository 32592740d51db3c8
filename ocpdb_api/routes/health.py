"""`/health`: PostGIS answers (as the API's role) and Redis answers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api.db import Resources
from ocpdb_api.responses import json_response


async def health(request: Request) -> Response:
    res: Resources = request.app.state.resources
    checks: dict[str, dict[str, str]] = {}
    try:
        row = await res.fetchone('SELECT postgis_lib_version() AS postgis, (SELECT version FROM data_version) AS v')
        checks['postgis'] = {'status': 'ok', 'version': row['postgis'], 'data_version': str(row['v'])}
    except Exception as exc:
        checks['postgis'] = {'status': 'error', 'error': type(exc).__name__}
    if res.redis is None:
        checks['redis'] = {'status': 'disabled'}
    else:
        try:
            await res.redis.ping()
            checks['redis'] = {'status': 'ok'}
        except Exception as exc:
            checks['redis'] = {'status': 'error', 'error': type(exc).__name__}
    healthy = all(c['status'] in ('ok', 'disabled') for c in checks.values())
    return json_response({'status': 'ok' if healthy else 'error', 'checks': checks}, 200 if healthy else 503)


def routes() -> list[Route]:
    return [Route('/health', health)]
