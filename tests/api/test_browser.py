"""The map page in headless Chromium against a live server: tiles load and features render.

WebGL runs on SwiftShader; the test reads the page's `window.ocpdb.renderedCount()` hook
(map.queryRenderedFeatures) through the DevTools protocol, polling until the map is idle.
"""

from __future__ import annotations

import json
import re
import subprocess
import time

import httpx
import pytest

from ocpdb_api.routes.docs import VENDOR
from tests.api import builder as build
from tests.api.browser import CHROMIUM, FLAGS
from tests.api.live import serve

DEVTOOLS = re.compile(r'DevTools listening on (ws://127\.0\.0\.1:(\d+)/\S+)')
PROBE = """(() => {
  const o = window.ocpdb;
  if (!o || !o.map.loaded() || !o.map.areTilesLoaded()) return null;
  return {rendered: o.renderedCount(), tiles: Number(document.getElementById('status').dataset.tiles),
          error: document.getElementById('status').dataset.error};
})()"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason='chromium is not installed'),
    pytest.mark.skipif(not all(path.is_dir() for path in VENDOR.values()), reason='run `npm ci` in ocpdb_api/frontend'),
]


def _devtools_port(proc: subprocess.Popen, deadline: float) -> int:
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        match = DEVTOOLS.search(line)
        if match:
            return int(match.group(2))
    raise AssertionError('chromium did not expose DevTools')


def _evaluate(ws_url: str, expression: str) -> object:
    from websockets.sync.client import connect

    with connect(ws_url, max_size=None, open_timeout=10) as ws:
        ws.send(json.dumps({'id': 1, 'method': 'Runtime.evaluate', 'params': {'expression': expression,
                                                                               'returnByValue': True}}))  # fmt: skip
        while True:
            message = json.loads(ws.recv(timeout=10))
            if message.get('id') == 1:
                return message['result']['result'].get('value')


def load_map(url: str, tmp_path, timeout: float = 60) -> dict:
    """Open the page and wait until the map is idle with a stable rendered-feature count."""
    deadline = time.monotonic() + timeout
    proc = subprocess.Popen(
        [CHROMIUM, *FLAGS, f'--user-data-dir={tmp_path / "profile"}', url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = _devtools_port(proc, deadline)
        page = None
        while page is None and time.monotonic() < deadline:
            targets = httpx.get(f'http://127.0.0.1:{port}/json/list', timeout=5).json()
            page = next((t for t in targets if t.get('type') == 'page' and t['url'].startswith(url[:20])), None)
            time.sleep(0.2)
        assert page is not None
        last, stable = None, 0
        while time.monotonic() < deadline:
            state = _evaluate(page['webSocketDebuggerUrl'], PROBE)
            if state is not None and state == last:
                stable += 1
                if stable >= 3:
                    return state
            else:
                stable = 0
            last = state
            time.sleep(0.3)
        raise AssertionError(f'map never became idle; last state {last}')
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.mark.parametrize(('zoom', 'expected'), [(13, 3), (6, 1)])
def test_map_renders_features(db, api_settings, tmp_path, zoom, expected):
    build.predecessor_dataset(db)
    with serve(api_settings) as base:
        state = load_map(f'{base}/?lat=52.52&lon=13.405&zoom={zoom}', tmp_path)
    assert state['error'] == ''
    assert state['tiles'] >= 1
    # zoom 13: one circle per location (layer chargepoints); zoom 6: one cluster for the three Berlin locations
    assert state['rendered'] == expected
