"""`/health`: PostGIS answers (as the API's role) and Redis answers, both within a time budget.

The two checks run concurrently and each is cut off after `health_timeout_seconds`, so a database
or Redis that is gone or hanging makes `/health` answer 503 quickly instead of hanging with it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api.db import Resources
from ocpdb_api.queries.health import postgis_status
from ocpdb_api.responses import json_response


async def _postgis(res: Resources) -> dict[str, str]:
    budget = res.settings.health_timeout_seconds
    async with res.pool.connection(timeout=budget) as conn:
        row = await postgis_status(conn)
    return {'status': 'ok', 'version': row['postgis'], 'data_version': str(row['v'])}


async def _redis(res: Resources) -> dict[str, str]:
    if res.redis is None:
        return {'status': 'disabled'}
    await res.redis.ping()
    return {'status': 'ok'}


async def _bounded(check: Any, budget: float) -> dict[str, str]:
    try:
        return await asyncio.wait_for(check, budget)
    except TimeoutError:
        return {'status': 'error', 'error': 'Timeout'}
    except Exception as exc:
        return {'status': 'error', 'error': type(exc).__name__}


async def health(request: Request) -> Response:
    res: Resources = request.app.state.resources
    budget = res.settings.health_timeout_seconds
    postgis, redis = await asyncio.gather(_bounded(_postgis(res), budget), _bounded(_redis(res), budget))
    checks = {'postgis': postgis, 'redis': redis}
    healthy = all(c['status'] in ('ok', 'disabled') for c in checks.values())
    return json_response({'status': 'ok' if healthy else 'error', 'checks': checks}, 200 if healthy else 503)


def routes() -> list[Route]:
    return [Route('/health', health)]
