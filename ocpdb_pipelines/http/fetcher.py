"""The one fetcher: every source fetch goes through here.

It owns what families used to do each in their own way: building the HTTP client (timeouts,
retries, mTLS, the overall budget), auth by the spec's auth kind, conditional requests from the
fetch state (If-None-Match / If-Modified-Since, 304 -> NotModified), the content hash (a realtime
payload identical to the last applied one is NotModified), the raw-archive snapshot (every page of
the fetch, one directory) and the state the import stores after the apply. A family only describes
its protocol: which URLs, which pages, which parameters (`ctx.http.get(...)`), and optionally how the
next "changed since" cursor follows from the pages (`Family.next_cursor`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from ocpdb_pipelines.config import ConfigError, Settings
from ocpdb_pipelines.http.archive import RawArchive, Retention, Snapshot, SnapshotWriter, content_hash
from ocpdb_pipelines.http.budget import Budget
from ocpdb_pipelines.http.client import SourceHttpClient
from ocpdb_pipelines.http.urls import resolve_url
from ocpdb_pipelines.sources.base import Family, NotModified, Page, SourceContext
from ocpdb_pipelines.sources.options import SourceConfig
from ocpdb_pipelines.sources.registry import SourceSpec
from ocpdb_pipelines.store.fetch_state import FetchState


def raw_archive(settings: Settings) -> RawArchive:
    return RawArchive(
        settings.path(settings.archive.dir),
        static=Retention(days=settings.archive.static_retention_days, keep=settings.archive.static_keep),
        realtime=Retention(days=settings.archive.realtime_retention_days, keep=settings.archive.realtime_keep),
    )


def build_client(
    settings: Settings,
    spec: SourceSpec,
    config: SourceConfig,
    *,
    transport: httpx.BaseTransport | None = None,
    budget: Budget | None = None,
    backoff: float = 1.0,
    retries: int | None = None,
) -> SourceHttpClient:
    """The one place a source's HTTP client is built: timeouts, retries, basic auth, mTLS."""
    cert = None
    if spec.auth == 'mtls':
        cert_path, key_path = config.value('mobilithek_cert_path'), config.value('mobilithek_key_path')
        if not cert_path or not key_path:
            raise ConfigError(f'sources.{spec.uid}: mobilithek_cert_path and mobilithek_key_path are required')
        cert = (cert_path, key_path)
    auth = None
    if spec.auth == 'basic':
        auth = tuple(_require(spec, config, 'user', 'password'))
    return SourceHttpClient(
        spec.uid,
        timeout=settings.http.timeout,
        retries=settings.http.retries if retries is None else retries,
        backoff=backoff,
        transport=transport,
        cert=cert,
        # the Mobilithek pull and our push talk to the same server: one CA setting for both
        verify=settings.mobilithek.ca_file or True,
        auth=auth,  # type: ignore[arg-type]
        budget=budget,
    )


def auth_headers(spec: SourceSpec, config: SourceConfig) -> dict[str, str]:
    """Credentials that travel in a header, by the spec's auth kind (basic and mTLS live on the client)."""
    if spec.auth == 'api_key':
        (key,) = _require(spec, config, 'api_key')
        return {'X-Api-Key': key}
    if spec.auth == 'token':
        (token,) = _require(spec, config, 'token')
        return {'Authorization': f'Token {token}'}
    return {}


def _require(spec: SourceSpec, config: SourceConfig, *keys: str) -> list[str]:
    missing = [key for key in keys if not config.value(key)]
    if missing:
        raise ConfigError(f'sources.{spec.uid}: missing required key(s) {", ".join(missing)}')
    return [config.value(key) for key in keys]


@dataclass
class Fetcher:
    """What a family's fetch talks to (`ctx.http`): requests with auth, validators and the snapshot."""

    spec: SourceSpec
    config: SourceConfig
    client: SourceHttpClient
    family: Family | None = None
    previous: FetchState = field(default_factory=FetchState)
    # send If-None-Match / If-Modified-Since on conditional requests (off for a forced or re-parsed import)
    use_validators: bool = True
    writer: SnapshotWriter | None = None
    pages: list[Page] = field(default_factory=list)
    validators: dict[str, str | None] = field(default_factory=dict)

    @property
    def static_url(self) -> str:
        return resolve_url(self.spec, self.config, 'static', self.family.base_paths if self.family else None)

    @property
    def realtime_url(self) -> str:
        return resolve_url(self.spec, self.config, 'realtime', self.family.base_paths if self.family else None)

    @property
    def cursor(self) -> str | None:
        """The previous fetch's protocol cursor ("changed since"), read-only for the family."""
        return self.previous.cursor

    def get(self, url: str, *, conditional: bool = False, **kwargs: Any) -> Page:
        return self.request('GET', url, conditional=conditional, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Page:
        return self.request('POST', url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        conditional: bool = False,
        headers: dict[str, str] | None = None,
        ok_status: frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> Page:
        """One request of this fetch. A conditional one answered 304 raises NotModified; a page with a
        body joins the snapshot."""
        request_headers = {**auth_headers(self.spec, self.config), **(headers or {})}
        if conditional:
            ok_status = ok_status | {304}
            if self.use_validators:
                if self.previous.etag:
                    request_headers['If-None-Match'] = self.previous.etag
                if self.previous.last_modified:
                    request_headers['If-Modified-Since'] = self.previous.last_modified
        page = self.client.request(method, url, headers=request_headers, ok_status=ok_status, **kwargs)
        if page.status_code == 304:
            if conditional:
                raise NotModified(f'{self.spec.uid}: {url} answered 304 Not Modified')
            return page
        if conditional:
            self.validators = {'etag': page.headers.get('etag'), 'last_modified': page.headers.get('last-modified')}
        self.pages.append(page)
        if self.writer is not None:
            self.writer.add(page)
        return page


@dataclass
class FetchResult:
    pages: list[Page]
    snapshot: Snapshot | None
    state: FetchState  # to store once the payload is applied

    @property
    def content_hash(self) -> str:
        return self.state.content_hash or ''


def fetch(
    settings: Settings,
    spec: SourceSpec,
    config: SourceConfig,
    family: Family,
    kind: str,
    fetch_fn: Callable[[SourceContext], list[Page]],
    *,
    previous: FetchState,
    transport: httpx.BaseTransport | None = None,
    budget_seconds: float | None = None,
    use_validators: bool = True,
    snapshot_id: str | None = None,
) -> FetchResult:
    """Run one family fetch through the fetcher; raises NotModified when there is nothing new.

    A realtime payload identical to the last applied one is NotModified too (its snapshot is not
    kept); a failed fetch leaves an incomplete snapshot (`complete: false`) that is never replayed.
    """
    budget = Budget(spec.uid, budget_seconds) if budget_seconds is not None else None
    writer = raw_archive(settings).begin(spec.uid, kind, snapshot_id=snapshot_id)
    try:
        with build_client(settings, spec, config, transport=transport, budget=budget) as client:
            fetcher = Fetcher(
                spec, config, client, family=family, previous=previous, use_validators=use_validators, writer=writer
            )
            context = SourceContext(spec=spec, config=config, settings=settings, http=fetcher)
            pages = fetch_fn(context)
    except NotModified:
        writer.discard()
        raise
    except BaseException as exc:
        if writer.pages:
            writer.fail(exc)
        else:
            writer.discard()
        raise
    digest = content_hash(pages)
    if kind == 'realtime' and digest == previous.content_hash:
        writer.discard()
        raise NotModified(f'{spec.uid}: payload unchanged (sha256 {digest[:12]}…)')
    single = len(pages) == 1
    cursor = family.next_cursor(pages, previous.cursor) if family.next_cursor else None
    state = FetchState(
        etag=fetcher.validators.get('etag') if single else None,
        last_modified=fetcher.validators.get('last_modified') if single else None,
        cursor=cursor,
        content_hash=digest,
        parser_version=family.parser_version,
    )
    snapshot = writer.finish(parser_version=family.parser_version, cursor=cursor) if pages else None
    if snapshot is None:
        writer.discard()
    else:
        state = replace(state, snapshot_id=snapshot.id, snapshot_fetched_at=snapshot.fetched_at)
    return FetchResult(pages=pages, snapshot=snapshot, state=state)


@contextmanager
def standalone_fetcher(
    settings: Settings,
    spec: SourceSpec,
    config: SourceConfig,
    family: Family | None = None,
    *,
    previous: FetchState | None = None,
    transport: httpx.BaseTransport | None = None,
    **client_options: Any,
) -> Iterator[Fetcher]:
    """A fetcher without snapshot, for trying a family's protocol alone (tests, diagnostics)."""
    with build_client(settings, spec, config, transport=transport, **client_options) as client:
        yield Fetcher(spec, config, client, family=family, previous=previous or FetchState())


def applied_state(result_state: FetchState) -> FetchState:
    return replace(result_state, applied_at=datetime.now(UTC))
