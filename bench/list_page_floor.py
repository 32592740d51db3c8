"""The SQL floor of a list page, for bench/bench_list_page.py: run with a tree's code first on the path.

    PYTHONPATH=TREE python bench/list_page_floor.py URL < offsets.json   # prints the ms per page as JSON
    PYTHONPATH=TREE python bench/list_page_floor.py URL --serve          # one offset a line in, its ms out

Per offset: the page's id query and the queries that load its location trees, executed and fetched by
psycopg exactly as that tree's list page does, on one connection configured like the API's pool (dict rows,
autocommit), with the same parameters; no rendering, no HTTP. A tree with `queries/list_page.py` loads
through `list_page.raw` (tuple rows, binary, one pipeline); an older tree through `trees.locations`. The
total count is left out: both APIs memoise it per data version.
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

ID_SQL = 'SELECT l.id FROM location l WHERE TRUE ORDER BY l.id LIMIT 100 OFFSET %s'


async def pages(url: str, offsets: list[int], warm: int = 5) -> list[float]:
    times = []
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row, autocommit=True) as conn:
        for i, offset in enumerate(offsets[:warm] + offsets):  # warm: plan caches, prepared statements
            t0 = time.perf_counter()
            cur = await conn.execute(ID_SQL, (offset,))
            await load(conn, [r['id'] for r in await cur.fetchall()])
            if i >= warm:
                times.append((time.perf_counter() - t0) * 1000)
    return times


async def serve(url: str) -> None:
    """Line mode, for interleaving page by page with the APIs: an offset in, the page's ms out (after
    answering `ready` once the connection is warm)."""
    loop = asyncio.get_running_loop()
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row, autocommit=True) as conn:

        async def page(offset: int) -> float:
            t0 = time.perf_counter()
            cur = await conn.execute(ID_SQL, (offset,))
            await load(conn, [r['id'] for r in await cur.fetchall()])
            return (time.perf_counter() - t0) * 1000

        for offset in range(0, 500, 100):  # warm: plan caches, prepared statements
            await page(offset)
        print('ready', flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            print(f'{await page(int(line)):.4f}', flush=True)


if __name__ == '__main__':
    if sys.argv[2:] == ['--serve']:
        asyncio.run(serve(sys.argv[1]))
    else:
        print(json.dumps(asyncio.run(pages(sys.argv[1], json.load(sys.stdin)))))
