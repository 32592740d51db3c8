"""Connection pool and Redis client, owned by the application lifespan."""

from __future__ import annotations

import contextlib
import gc
import logging
import select
import time
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as redis_async
from psycopg import OperationalError
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.applications import Starlette

from ocpdb_api.freshness import count_key
from ocpdb_api.settings import ApiSettings

log = logging.getLogger(__name__)


class DatabaseUnreachable(OperationalError):
    """The pool's last connection attempt failed and no pooled connection is free: 503 without waiting."""


class LifoConnectionPool(AsyncConnectionPool):
    """A pool that hands out the connection returned last, not the one idle longest.

    psycopg_pool queues idle connections first-in first-out, so at low concurrency every query goes to a
    different backend that has been asleep (colder caches, a scheduler wake-up): 0.07-0.13 ms more per
    query than reusing the same backend, measured on the tile query (bench/RESULTS-api.md, fourth pass).
    Taking the newest keeps the busy backends busy and lets the others idle, as SQLAlchemy's
    `pool_use_lifo`, node-postgres and PgBouncer (`server_round_robin = 0`) do. The longest-idle connection
    stays at the other end, so the pool's shrinking still closes that one first.

    It also knows when the database is gone (tests/faults, bench/RESULTS-faults.md): checked connections are
    swept together, and while connecting fails a checkout gives up quickly with `DatabaseUnreachable` (503).
    """

    # while the last connection attempt failed, a checkout waits only this long: a request gets its 503 at
    # once instead of after the full pool timeout, and still starts the next reconnect attempt
    UNREACHABLE_TIMEOUT = 0.5

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unreachable_since: float | None = None

    async def getconn(self, timeout: float | None = None) -> Any:
        if self.unreachable_since is None:
            return await super().getconn(timeout)
        try:
            return await super().getconn(min(timeout or self.timeout, self.UNREACHABLE_TIMEOUT))
        except PoolTimeout:
            raise DatabaseUnreachable('the database cannot be reached') from None

    async def _connect(self, timeout: float | None = None) -> Any:
        try:
            conn = await super()._connect(timeout)
        except Exception:
            if self.unreachable_since is None:
                self.unreachable_since = time.monotonic()
            raise
        self.unreachable_since = None
        return conn

    async def _get_ready_connection(self, timeout: float | None) -> Any:
        # psycopg_pool takes from the left and returns to the right: bring the newest to the left first
        self._pool.rotate(1)
        return await super()._get_ready_connection(timeout)

    async def _check_connection(self, conn: Any) -> None:
        """Check on checkout (`check=`); on the first failure, check every idle connection at once.

        A restart or failover kills all pooled connections together: psycopg_pool would find them one
        per checkout, sleeping 1, 2, 4 ... s between failed checks within one request. Sweeping the idle
        ones on the first failure discards them together and lets the pool reconnect.
        """
        try:
            await super()._check_connection(conn)
        except Exception:
            await self.check()
            raise


async def check_idle_connection(conn: Any) -> None:
    """The checkout check (`check=`) without a round trip while nothing arrived on the idle connection.

    psycopg_pool's `check_connection` sends an empty query on every checkout: one more round trip per
    request (on the list page a third of its round trips, bench/RESULTS-api.md). An idle connection in
    autocommit has nothing to read unless the server sent something: a backend that was terminated, shut
    down for a restart, or died leaves a FATAL error and/or the end of the stream on the socket. So a
    zero-timeout poll decides: nothing to read, hand it out; anything (or a closed connection), the full
    check, which fails and makes the pool discard it and sweep the others (LifoConnectionPool).
    """
    if not conn.closed and conn.autocommit and conn.info.transaction_status == TransactionStatus.IDLE:
        poller = select.poll()
        poller.register(conn.pgconn.socket, select.POLLIN | select.POLLPRI)
        if not poller.poll(0):
            return
    await AsyncConnectionPool.check_connection(conn)


class RedisPause:
    """After a failed Redis call the caches leave Redis alone for `seconds`: a Redis that hangs costs one
    request its socket timeout (2 s) per pause instead of every request, and a Redis that is back is used
    again at the end of the pause. Redis only ever holds caches for the API, so skipping it changes no answer."""

    def __init__(self, seconds: float = 5.0) -> None:
        self.seconds = seconds
        self.until = 0.0

    def paused(self) -> bool:
        return time.monotonic() < self.until

    def failed(self) -> None:
        self.until = time.monotonic() + self.seconds


class Resources:
    """What handlers share: the read-only pool and an optional Redis client."""

    def __init__(self, settings: ApiSettings) -> None:
        self.settings = settings
        self.pool = LifoConnectionPool(
            settings.database_url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            kwargs={
                'row_factory': dict_row,
                'autocommit': True,
                'connect_timeout': settings.connect_timeout_seconds,
                # the reader role has its own default; this is the API's own, tighter budget
                'options': f'-c statement_timeout={int(settings.statement_timeout_seconds * 1000)}',
            },
            check=check_idle_connection,
            # wait at most this long for a connection, then 503 (the default 30 s hangs every client)
            timeout=settings.pool_timeout_seconds,
            # give up a reconnect attempt early: the next checkout starts a new one at once, so the pool
            # is back within a second of the database instead of after a 1-2-4-8-16 s backoff
            reconnect_timeout=settings.reconnect_timeout_seconds,
            open=False,
        )
        self.redis: redis_async.Redis | None = (
            redis_async.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
            if settings.redis_url
            else None
        )
        self.redis_pause = RedisPause()
        self.version_cache: tuple[float, int] | None = None
        self.count_cache: dict[tuple[str, str, int, int], int] = {}

    async def open(self) -> None:
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()
        if self.redis is not None:
            await self.redis.aclose()

    async def fetch(self, query: Any, params: Any = None) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(query, params)
            return await cur.fetchall()

    async def fetchone(self, query: Any, params: Any = None) -> dict[str, Any] | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(query, params)
            return await cur.fetchone()

    async def data_version(self, conn: Any = None) -> int:
        """The counter every import transaction bumps; re-read at most every `version_ttl_seconds`.

        Pass the connection a handler already holds: taking a second one from the pool while holding
        one can starve the pool under load.
        """
        now = time.monotonic()
        cached = self.version_cache
        if cached is not None and now - cached[0] < self.settings.version_ttl_seconds:
            return cached[1]
        query = 'SELECT version FROM data_version WHERE id = 1'
        if conn is None:
            row = await self.fetchone(query)
        else:
            row = await (await conn.execute(query)).fetchone()
        version = int(row['version']) if row else 0
        self.version_cache = (now, version)
        return version

    async def count(self, conn: Any, query: str, params: list[Any]) -> int:
        """A total count, memoised per data version: static changes, and live ones if the query reads live
        columns (ocpdb_api/freshness.py), so a cached total is never stale and unrelated ticks keep it."""
        key = (query, repr(params), *await count_key(self, conn, query))
        total = self.count_cache.get(key)
        if total is None:
            cur = await conn.execute(query, params)
            total = int((await cur.fetchone())['n'])
            if len(self.count_cache) >= COUNT_CACHE_SIZE:
                self.count_cache.clear()
            self.count_cache[key] = total
        return total


COUNT_CACHE_SIZE = 4096


def lifespan_for(settings: ApiSettings):
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        resources = Resources(settings)
        await resources.open()
        app.state.resources = resources
        # what is loaded by now (modules, settings, the app) lives as long as the process: kept out of the
        # cyclic collector, a full collection no longer walks its ~130k objects, about a fifth of a list
        # page's CPU (bench/RESULTS-api.md); collected first so no garbage is frozen with it
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await resources.close()

    return lifespan
