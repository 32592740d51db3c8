"""Download the images sources reference (predecessor §7.5 `import images`), politely and fault-tolerant.

An image is due when it was never downloaded or changed since (`last_download` null or older than
`modified`). Each due URL is fetched once per run, with `IMAGE_IMPORT_REQUEST_DELAY` between
requests, and written to `DYNAMIC_IMAGE_DIR/<id>.<type>` (the public URL's file name). A failed
download (non-200, timeout, connection error, not an image) is counted and logged; the image stays
due, so the next run tries again. Only problems of our own (the directory cannot be written, the
database is gone) fail the run.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.http.client import HttpStatusError, SourceHttpClient
from ocpdb_pipelines.images.query import DueImage, due_images, record_downloads
from ocpdb_pipelines.logs import LogMessageType, attributes, log_context
from ocpdb_pipelines.sources.registry import get_spec

logger = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT = 30.0  # seconds per request, as the predecessor
MAX_IMAGE_BYTES = 20 * 1024 * 1024
FLUSH_EVERY = 50  # downloads recorded per UPDATE, so an interrupted run keeps its progress

CONTENT_TYPE_EXTENSIONS = {
    'image/jpeg': 'jpg',
    'image/jpg': 'jpg',
    'image/pjpeg': 'jpg',
    'image/png': 'png',
    'image/gif': 'gif',
    'image/webp': 'webp',
    'image/svg+xml': 'svg',
    'image/bmp': 'bmp',
    'image/tiff': 'tif',
    'image/avif': 'avif',
}
# Servers that do not know better answer application/octet-stream: then the bytes decide.
_GENERIC_CONTENT_TYPES = frozenset({'', 'application/octet-stream', 'binary/octet-stream'})
_MAGIC = (
    (b'\xff\xd8\xff', 'jpg'),
    (b'\x89PNG\r\n\x1a\n', 'png'),
    (b'GIF87a', 'gif'),
    (b'GIF89a', 'gif'),
    (b'BM', 'bmp'),
)
# A stored type becomes part of a file name: only a short alphanumeric extension is trusted.
_SAFE_TYPE = re.compile(r'^[A-Za-z0-9]{1,4}$')


@dataclass(frozen=True)
class ImageFailure:
    image_id: int
    url: str
    reason: str


@dataclass
class ImageDownloadReport:
    due: int = 0
    downloaded: int = 0
    failed: int = 0
    bytes_written: int = 0
    types_filled: int = 0
    failures: list[ImageFailure] = field(default_factory=list)

    @property
    def failure_reasons(self) -> dict[str, int]:
        return dict(Counter(f.reason.split(':', 1)[0] for f in self.failures).most_common(20))

    def as_metadata(self) -> dict[str, Any]:
        return {
            'images_due': self.due,
            'images_downloaded': self.downloaded,
            'images_failed': self.failed,
            'bytes_written': self.bytes_written,
            'types_filled': self.types_filled,
            'failure_reasons': self.failure_reasons,
        }


class NotAnImage(ValueError):
    """The answer was 200 but its body is not an image we can name a file for."""


def image_extension(stored_type: str | None, content_type: str, body: bytes) -> str:
    """The file extension: the stored type when it is safe, else from the content type or the bytes.

    Raises NotAnImage when the answer is not an image (an HTML error page served with 200, say).
    """
    media_type = content_type.split(';', 1)[0].strip().lower()
    if media_type in _GENERIC_CONTENT_TYPES:
        sniffed = _sniff(body)
        if sniffed is None:
            raise NotAnImage(f'not an image: content type {media_type or "missing"} and unknown bytes')
        derived = sniffed
    elif media_type.startswith('image/'):
        derived = CONTENT_TYPE_EXTENSIONS.get(media_type) or _sniff(body) or ''
    else:
        raise NotAnImage(f'not an image: content type {media_type}')
    if stored_type and _SAFE_TYPE.match(stored_type):
        return stored_type
    if not derived:
        raise NotAnImage(f'not an image: no file type known for {media_type}')
    return derived


def _sniff(body: bytes) -> str | None:
    for magic, extension in _MAGIC:
        if body.startswith(magic):
            return extension
    if body[:4] == b'RIFF' and body[8:12] == b'WEBP':
        return 'webp'
    head = body[:512].lstrip().lower()
    if head.startswith(b'<svg') or (head.startswith(b'<?xml') and b'<svg' in head):
        return 'svg'
    return None


def download_images(
    settings: Settings,
    *,
    source_uid: str | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ImageDownloadReport:
    """Download every due image (of one source, if given) and record `last_download` for the good ones."""
    if source_uid is not None:
        get_spec(source_uid)  # an unknown uid is an error, not "nothing to do"
    directory = settings.path(settings.images.dir)
    directory.mkdir(parents=True, exist_ok=True)
    report = ImageDownloadReport()
    with (
        log_context(source=source_uid, initiator='image-download'),
        connect(settings.database.url.get_secret_value(), autocommit=True) as conn,
    ):
        due = _once_per_url(due_images(conn, source_uid))
        report.due = len(due)
        done: list[tuple[int, str | None]] = []
        client = SourceHttpClient(
            'images',
            timeout=DOWNLOAD_TIMEOUT,
            retries=0,  # a failed image stays due: tomorrow's run is the retry
            transport=transport,
            headers={'Accept': 'image/*'},
        )
        try:
            for number, image in enumerate(due):
                if number:
                    sleep(settings.images.request_delay_seconds)
                with log_context(image=image.id):
                    outcome = _download_one(client, image, directory)
                if isinstance(outcome, ImageFailure):
                    report.failed += 1
                    report.failures.append(outcome)
                    logger.warning(
                        'image %s (%s) not downloaded: %s',
                        image.id,
                        image.external_url,
                        outcome.reason,
                        extra=attributes(LogMessageType.IMPORT_IMAGE),
                    )
                    continue
                extension, size = outcome
                report.downloaded += 1
                report.bytes_written += size
                new_type = extension if extension != image.type else None
                report.types_filled += new_type is not None
                done.append((image.id, new_type))
                if len(done) >= FLUSH_EVERY:
                    record_downloads(conn, done)
                    done = []
        finally:
            client.close()
            record_downloads(conn, done)
    logger.info(
        'images: %s due, %s downloaded, %s failed',
        report.due,
        report.downloaded,
        report.failed,
        extra=attributes(LogMessageType.IMPORT_IMAGE),
    )
    return report


def _once_per_url(images: list[DueImage]) -> list[DueImage]:
    seen: set[str] = set()
    unique = []
    for image in images:
        url = image.external_url.strip()
        if url not in seen:
            seen.add(url)
            unique.append(image)
    return unique


def _download_one(client: SourceHttpClient, image: DueImage, directory: Path) -> tuple[str, int] | ImageFailure:
    """Fetch and store one image: (extension, bytes written), or why not."""

    def failure(reason: str) -> ImageFailure:
        return ImageFailure(image_id=image.id, url=image.external_url, reason=reason)

    try:
        page = client.get(image.external_url.strip())
    except HttpStatusError as exc:
        return failure(f'HTTP {exc.status_code}')
    except httpx.TimeoutException as exc:
        return failure(f'timeout: {type(exc).__name__}')
    except httpx.TransportError as exc:
        return failure(f'connection error: {exc or type(exc).__name__}')
    except httpx.InvalidURL as exc:
        return failure(f'invalid URL: {exc}')
    if page.status_code != 200:
        return failure(f'HTTP {page.status_code}')
    if not page.body:
        return failure('empty body')
    if len(page.body) > MAX_IMAGE_BYTES:
        return failure(f'too large: {len(page.body)} bytes')
    try:
        extension = image_extension(image.type, page.headers.get('content-type', ''), page.body)
    except NotAnImage as exc:
        return failure(str(exc))
    _write_atomically(directory / f'{image.id}.{extension}', page.body)
    return extension, len(page.body)


def _write_atomically(path: Path, body: bytes) -> None:
    """Readers (the web server) see the old file or the new one, never half of one."""
    partial = path.with_name(f'.{path.name}.part')
    partial.write_bytes(body)
    os.replace(partial, path)
