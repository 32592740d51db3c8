"""A headless Chromium page driven over the DevTools protocol: evaluate JavaScript, wait, take PNG screenshots."""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
FLAGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--enable-unsafe-swiftshader',
    '--use-angle=swiftshader',
    '--force-device-scale-factor=1',
    '--remote-debugging-port=0',
]
DEVTOOLS = re.compile(r'DevTools listening on (ws://127\.0\.0\.1:(\d+)/\S+)')


class Page:
    def __init__(self, ws) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    def call(self, method: str, **params) -> dict:
        message_id = next(self.ids)
        self.ws.send(json.dumps({'id': message_id, 'method': method, 'params': params}))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get('id') == message_id:
                if 'error' in message:
                    raise AssertionError(f'{method}: {message["error"]}')
                return message['result']

    def evaluate(self, expression: str) -> object:
        result = self.call('Runtime.evaluate', expression=expression, returnByValue=True, awaitPromise=True)
        if 'exceptionDetails' in result:
            raise AssertionError(f'{expression[:80]}: {result["exceptionDetails"]}')
        return result['result'].get('value')

    def wait_for(self, expression: str, timeout: float = 60, stable: int = 3) -> object:
        """Poll until `expression` is non-null and the same `stable` times in a row."""
        deadline = time.monotonic() + timeout
        last, same = None, 0
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value is not None and value == last:
                same += 1
                if same >= stable:
                    return value
            else:
                same = 0
            last = value
            time.sleep(0.3)
        raise AssertionError(f'never settled: {expression[:80]}; last {last}')

    def screenshot(self, path: Path) -> Path:
        data = self.call('Page.captureScreenshot', format='png')['data']
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


@contextmanager
def open_page(url: str, profile: Path, size: tuple[int, int] = (900, 650), timeout: float = 60) -> Iterator[Page]:
    from websockets.sync.client import connect

    assert CHROMIUM is not None
    deadline = time.monotonic() + timeout
    proc = subprocess.Popen(
        [CHROMIUM, *FLAGS, f'--window-size={size[0]},{size[1]}', f'--user-data-dir={profile}', url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        port = None
        while port is None and time.monotonic() < deadline:
            match = DEVTOOLS.search(proc.stderr.readline())
            port = int(match.group(2)) if match else None
        assert port is not None, 'chromium did not expose DevTools'
        target = None
        while target is None and time.monotonic() < deadline:
            targets = httpx.get(f'http://127.0.0.1:{port}/json/list', timeout=5).json()
            target = next((t for t in targets if t.get('type') == 'page' and t['url'].startswith(url[:20])), None)
            time.sleep(0.2)
        assert target is not None
        with connect(target['webSocketDebuggerUrl'], max_size=None, open_timeout=10) as ws:
            yield Page(ws)
    finally:
        proc.kill()
        proc.wait(timeout=10)
