"""Reading dump generations back (the API's index and file routes): names, manifests, validation."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

MANIFEST = 'manifest.json'
TMP_PREFIX = '.tmp-'
_GENERATION = re.compile(r'^\d{8}T\d{6}Z$')


def generation_name(generated_at: datetime) -> str:
    return generated_at.strftime('%Y%m%dT%H%M%SZ')


def is_generation(name: str) -> bool:
    return bool(_GENERATION.match(name))


def generation_dirs(root: Path) -> list[Path]:
    """Complete generations, oldest first (a generation is complete once renamed into place)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and is_generation(p.name) and (p / MANIFEST).is_file())


def read_manifest(directory: Path) -> dict[str, Any] | None:
    try:
        return json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def latest(root: Path) -> tuple[Path, dict[str, Any]] | None:
    for directory in reversed(generation_dirs(root)):
        manifest = read_manifest(directory)
        if manifest is not None:
            return directory, manifest
    return None


def find_file(root: Path, generation: str, name: str) -> tuple[Path, dict[str, Any]] | None:
    """The file `name` of `generation` ('latest' for the newest) with its manifest entry; None if unknown.
    Only names listed in the manifest are served, so no path outside the generation can be reached."""
    if generation == 'latest':
        found = latest(root)
        if found is None:
            return None
        directory, manifest = found
    else:
        if not is_generation(generation):
            return None
        directory = root / generation
        manifest = read_manifest(directory)
        if manifest is None:
            return None
    for entry in manifest['files']:
        if entry['name'] == name:
            path = directory / name
            return (path, entry) if path.is_file() else None
    return None
