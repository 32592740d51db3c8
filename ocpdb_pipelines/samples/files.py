"""Writing generated payloads: JSON via orjson (UTF-8, no escaping of umlauts), parents created."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson


def json_bytes(document: Any) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2)


def write_bytes(path: str | Path, body: bytes) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return target


def write_json(path: str | Path, document: Any) -> Path:
    return write_bytes(path, json_bytes(document))
