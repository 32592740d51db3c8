"""The pool's checkout check (db.check_idle_connection): no round trip for a healthy idle connection, and still
never a dead one handed out (a terminated backend, a restart: tests/faults covers the restart)."""

from __future__ import annotations

import asyncio
import time

import psycopg

from ocpdb_api.db import Resources
from ocpdb_api.settings import ApiSettings


def _one_connection(settings) -> Resources:
    return Resources(ApiSettings.from_settings(settings, pool_min_size=1, pool_max_size=1))


def test_checking_out_a_healthy_connection_sends_nothing(settings, db_url):
    """The backend's last statement is still the one run before the connection went back to the pool."""

    async def scenario() -> tuple[int, str]:
        res = _one_connection(settings)
        await res.pool.open(wait=True)
        try:
            async with res.pool.connection() as conn:
                await conn.execute("SELECT 'before the checkout'")
                pid = conn.info.backend_pid
            async with res.pool.connection() as conn:
                assert conn.info.backend_pid == pid
                with psycopg.connect(db_url, autocommit=True) as admin:
                    [last] = admin.execute('SELECT query FROM pg_stat_activity WHERE pid = %s', (pid,)).fetchone()
                await conn.execute('SELECT 1')
            return pid, last
        finally:
            await res.close()

    _, last = asyncio.run(scenario())
    assert last == "SELECT 'before the checkout'"


def test_a_backend_terminated_while_idle_is_not_handed_out(settings, db_url):
    async def scenario() -> tuple[int, int, int]:
        res = _one_connection(settings)
        await res.pool.open(wait=True)
        try:
            async with res.pool.connection() as conn:
                old = conn.info.backend_pid
            with psycopg.connect(db_url, autocommit=True) as admin:
                admin.execute('SELECT pg_terminate_backend(%s)', (old,))
                deadline = time.monotonic() + 10
                while admin.execute('SELECT 1 FROM pg_stat_activity WHERE pid = %s', (old,)).fetchone():
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
            async with res.pool.connection() as conn:
                [one] = await (await conn.execute('SELECT 1 AS one')).fetchall()
                return old, conn.info.backend_pid, one['one']
        finally:
            await res.close()

    old, new, one = asyncio.run(scenario())
    assert (new != old, one) == (True, 1)
