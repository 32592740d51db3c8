"""giro-e push requests (spec/sources.md §5.1): validation, landed metadata, and the pending view.

The receiver validates with the same mapper the applier uses, so a request answered 204 can be
applied later. Each landed request carries its operation in the metadata; the body is the request
body (decompressed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from ocpdb_pipelines.landing import LandingArea
from ocpdb_pipelines.model.enums import EvseStatus
from ocpdb_pipelines.model.updates import LocationUpdate
from ocpdb_pipelines.push.kinds import GIROE_UID, PUSH
from ocpdb_pipelines.sources.common.values import RecordError, parse_datetime, skip_reason
from ocpdb_pipelines.sources.giroe.parse import connector_status, location_uid, map_location

PUT_LOCATION = 'put_location'
DELETE_LOCATION = 'delete_location'
PATCH_CONNECTOR = 'patch_connector'
MAX_EVSE_UID_LENGTH = 64


class PushRequestError(ValueError):
    """The pushed request is invalid: the receiver answers 400 with this message."""


@dataclass(frozen=True)
class LocationPut:
    location_id: int
    public: bool
    location: LocationUpdate

    @property
    def location_uid(self) -> str:
        return self.location.uid

    def meta(self) -> dict[str, Any]:
        evse_uids = [evse.uid for station in self.location.charging_pool for evse in station.evses]
        return {
            'op': PUT_LOCATION,
            'location_id': self.location_id,
            'location_uid': self.location_uid,
            'public': self.public,
            'evse_uids': evse_uids,
        }


@dataclass(frozen=True)
class ConnectorPatch:
    evse_uid: str
    modified: datetime
    status: EvseStatus | None  # None: leave the status as it is (the predecessor cleared it)


def _json_object(body: bytes) -> dict[str, Any]:
    if not body or not body.strip():
        raise PushRequestError('empty body')
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PushRequestError(f'body is not JSON: {exc}') from None
    if not isinstance(raw, dict):
        raise PushRequestError('body must be a JSON object')
    return raw


def parse_location_put(location_id: int, body: bytes, secret: str) -> LocationPut:
    """The body of `PUT /giroe/locations/<id>`; its `id` must be the path id."""
    raw = _json_object(body)
    if raw.get('id') != location_id:
        raise PushRequestError(f'id: the body id {raw.get("id")!r} differs from the path id {location_id}')
    public = raw.get('public', True)
    if not isinstance(public, bool):
        raise PushRequestError(f'public: expected a boolean, got {public!r}')
    try:
        location = map_location(raw, secret)
    except (RecordError, ValidationError) as exc:
        raise PushRequestError(skip_reason(exc)) from None
    return LocationPut(location_id=location_id, public=public, location=location)


def parse_connector_patch(evse_uid: str, body: bytes) -> ConnectorPatch:
    """The body of `PATCH /giroe/connectors/<uid>`: `modified` (required, zone-less = UTC), `status`?"""
    if not evse_uid or len(evse_uid) > MAX_EVSE_UID_LENGTH:
        raise PushRequestError('connector uid: missing or too long')
    raw = _json_object(body)
    try:
        modified = parse_datetime(raw.get('modified'), 'modified')
        if modified is None:
            raise RecordError('modified: required')
        status = None if raw.get('status') is None else connector_status(raw['status'])
    except RecordError as exc:
        raise PushRequestError(str(exc)) from None
    if status == EvseStatus.STATIC:
        raise PushRequestError("status: 'STATIC' is not a connector status")
    return ConnectorPatch(evse_uid=evse_uid, modified=modified, status=status)


def delete_meta(location_id: int, secret: str) -> dict[str, Any]:
    return {'op': DELETE_LOCATION, 'location_id': location_id, 'location_uid': location_uid(location_id, secret)}


def patch_meta(evse_uid: str) -> dict[str, Any]:
    return {'op': PATCH_CONNECTOR, 'evse_uid': evse_uid}


@dataclass
class PendingView:
    """What the landed but not yet applied requests will do, for request-time 404 decisions.

    `locations`: location uid -> True (a pending PUT creates/keeps it) or False (a pending delete).
    """

    locations: dict[str, bool] = field(default_factory=dict)
    evse_uids: set[str] = field(default_factory=set)


def pending_view(landing: LandingArea) -> PendingView:
    view = PendingView()
    for landed in landing.pending(GIROE_UID, PUSH):
        meta = landed.meta
        op, uid = meta.get('op'), meta.get('location_uid')
        if op == PUT_LOCATION and uid:
            view.locations[uid] = bool(meta.get('public', True))
            if meta.get('public', True):
                view.evse_uids.update(meta.get('evse_uids') or [])
        elif op == DELETE_LOCATION and uid:
            view.locations[uid] = False
    return view
