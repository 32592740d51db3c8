"""DATEX II documents: the payload around the sites, the Mobilithek envelope, and a streaming writer.

The document is serialised once with a placeholder where the site list goes; the writer emits the part
before it, then each site as it is mapped, then the rest. Memory holds one site at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, BinaryIO

import orjson

from ocpdb_pipelines.exports.datex2.common import LANG, iso, zulu

_PLACEHOLDER = 'ocpdb-stream-items-5d1c0b'
PUBLICATION_CREATOR = {'country': 'DE', 'nationalIdentifier': 'OCPDB'}
PROFILE_VERSION = '01-00-00'
DEFAULT_SUPPLIER_NAME = 'OCPDB'
VERSIONS = ('3.5', '3.7')


class Kind(StrEnum):
    STATIC = 'static'
    REALTIME = 'realtime'


class Protocol(StrEnum):
    SNAPSHOT = 'snapshotPush'
    DELTA = 'deltaPush'


def _profile_name(version: str, kind: Kind) -> str:
    # the 3.5 realtime profile is spelled in capitals on the wire, every other one is not
    return 'AFIR Energy Infrastructure' if (version, kind) == ('3.5', Kind.REALTIME) else 'Afir Energy Infrastructure'


def payload(version: str, kind: Kind, items: Any, now: datetime | None = None) -> dict[str, Any]:
    """The PayloadPublicationG object with `items` as the site (or site status) list."""
    if version not in VERSIONS:
        raise ValueError(f'unsupported DATEX II version {version!r}')
    now = now or datetime.now(UTC)
    published = zulu(now) if version == '3.7' else iso(now)
    head = {'lang': LANG, 'publicationTime': published, 'publicationCreator': dict(PUBLICATION_CREATOR)}
    body: dict[str, Any] = {
        'modelBaseVersionG': '3',
        'versionG': version,
        'profileNameG': _profile_name(version, kind),
        'profileVersionG': PROFILE_VERSION,
    }
    if kind == Kind.REALTIME:
        body['aegiEnergyInfrastructureStatusPublication'] = {**head, 'energyInfrastructureSiteStatus': items}
    else:
        table = {'idG': '1', 'versionG': '1', 'energyInfrastructureSite': items}
        key = (
            'egiEnergyInfrastructureTablePublication'
            if version == '3.7'
            else 'aegiEnergyInfrastructureTablePublication'
        )
        body[key] = {**head, 'energyInfrastructureTable': [table]}
    return body


def exchange_information(
    version: str, protocol: Protocol, name: str | None, now: datetime | None = None
) -> dict[str, Any]:
    """The Mobilithek push envelope's exchangeInformation (predecessor §6.4)."""
    # the schema requires supplierOrCisRequester: without MOBILITHEK_NAME we say 'OCPDB' (the predecessor
    # dropped it, which the Mobilithek schema rejects)
    context: dict[str, Any] = {
        'codedExchangeProtocol': {'value': str(protocol)},
        'exchangeSpecificationVersion': version,
        'supplierOrCisRequester': {'name': name or DEFAULT_SUPPLIER_NAME},
    }
    return {
        'exchangeContext': context,
        'dynamicInformation': {
            'exchangeStatus': {'value': 'online'},
            'messageGenerationTimestamp': zulu(now or datetime.now(UTC)),
        },
    }


def document(
    version: str,
    kind: Kind,
    *,
    envelope: tuple[Protocol, str | None] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The whole document with the placeholder list: `{"payload": ...}` or the push envelope."""
    doc: dict[str, Any] = {'payload': payload(version, kind, [_PLACEHOLDER], now)}
    if envelope is not None:
        protocol, name = envelope
        doc['exchangeInformation'] = exchange_information(version, protocol, name, now)
    return doc


def write_json(out: BinaryIO, doc: dict[str, Any], items: Iterable[dict[str, Any]]) -> int:
    """Write `doc` with the placeholder replaced by `items`, one at a time; return the item count."""
    head, tail = orjson.dumps(doc).split(orjson.dumps(_PLACEHOLDER), 1)
    out.write(head)
    count = 0
    for item in items:
        if count:
            out.write(b',')
        out.write(orjson.dumps(item))
        count += 1
    out.write(tail)
    return count
