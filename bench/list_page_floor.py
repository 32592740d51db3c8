"""The SQL floors of a list page, for bench/bench_list_page.py: run with a tree's code first on the path.

    PYTHONPATH=TREE python bench/list_page_floor.py URL < offsets.json   # prints [data ms, page ms] per page as JSON
    PYTHONPATH=TREE python bench/list_page_floor.py URL --serve          # one offset a line in, "data page" ms out

Per offset, executed and fetched by psycopg exactly as that tree's list page does, on one connection
configured like the API's pool (dict rows, autocommit), with the same parameters; no rendering, no HTTP:
  data  the page's id query and the queries that load its location trees: what the page asks PostgreSQL
        when it renders every item (a tree with `queries/list_page.py` loads through `list_page.raw`: tuple
        rows, binary, one pipeline; an older tree through `trees.locations`)
  page  what the page asks PostgreSQL when its items are cached (a tree with `list_page.stamps`): the id query
        and the stamps; in a tree without the item cache the same as `data`
The total count is left out: both APIs memoise it per data version.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import psycopg
from psycopg.rows import dict_row

try:
    from ocpdb_api.queries.list_page import raw as load
except ImportError:  # a tree before the list-page path
    from ocpdb_api.queries.trees import locations as load
try:
    from ocpdb_api.queries.list_page import stamps
except ImportError:  # a tree before the item cache
    stamps = None

ID_SQL = 'SELECT l.id FROM location l WHERE TRUE ORDER BY l.id LIMIT 100 OFFSET %s'


async def _ids(conn: psycopg.AsyncConnection, offset: int) -> list[int]:
    cur = await conn.execute(ID_SQL, (offset,))
    return [r['id'] for r in await cur.fetchall()]


async def page(conn: psycopg.AsyncConnection, offset: int) -> tuple[float, float]:
    """(data ms, page ms) of one page, each with its own id query."""
    t0 = time.perf_counter()
    await load(conn, await _ids(conn, offset))
    data = (time.perf_counter() - t0) * 1000
    if stamps is None:
        return data, data
    t0 = time.perf_counter()
    await stamps(conn, await _ids(conn, offset))
    return data, (time.perf_counter() - t0) * 1000


async def pages(url: str, offsets: list[int], warm: int = 5) -> list[tuple[float, float]]:
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row, autocommit=True) as conn:
        times = [await page(conn, offset) for offset in offsets[:warm] + offsets]  # warm: plan caches
    return times[warm:]


async def serve(url: str) -> None:
    """Line mode, for interleaving page by page with the APIs: an offset in, the page's two figures out
    (after answering `ready` once the connection is warm)."""
    loop = asyncio.get_running_loop()
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row, autocommit=True) as conn:
        for offset in range(0, 500, 100):  # warm: plan caches, prepared statements
            await page(conn, offset)
        print('ready', flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            data, cached = await page(conn, int(line))
            print(f'{data:.4f} {cached:.4f}', flush=True)


if __name__ == '__main__':
    if sys.argv[2:] == ['--serve']:
        asyncio.run(serve(sys.argv[1]))
    else:
        print(json.dumps(asyncio.run(pages(sys.argv[1], json.load(sys.stdin)))))
