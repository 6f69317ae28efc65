"""The two hot paths served below FastAPI's request handling (exists only for speed).

`GET /v1/customers/{customer_id}/tier` (the mobile app's polling call) and
`POST /v1/transactions` (the POS): FastAPI's dependency, parameter and response machinery
costs more than the rest of these requests (issue 8), so this innermost ASGI layer answers
them directly, after `AuthenticateFirst` (the same principal), with the same access rule and
rate limit (`deps.admit`), the same services on a raw asyncpg connection
(`points.get_tier_status_raw`, `hot_posting.post_purchase_raw`), the same ETag /
`If-None-Match` handling and the same problem+json refusals (`errors.refusal`). Request ids,
CORS and telemetry come from the outer middleware as for any route, except for a tier read by
a key this worker already trusts: `TrustedTierReads`, the outermost layer, answers that one
alone, doing the outer layers' work through the same functions.

Each operation stays declared once, by its FastAPI route, which also answers whatever this
layer does not take, with the body replayed: SQLite or PgBouncer (no raw pool), a query
string (refused there as unknown parameters), any input the route's own validation would
refuse (an over-long id or header, a body that is not a valid purchase), other methods, and
what the raw services hand back (rules or subscriptions to reload, points paid with, a
replayed Idempotency-Key, an alert to raise, a lost lock race).
"""

from __future__ import annotations

import re
import time
from typing import Any

import orjson
from fastapi import Request
from pydantic import ValidationError
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import Access, MemberReader, TransactionsWrite, admit, raw_connection, request_fingerprint
from app.api.middleware import replaying, request_id_of
from app.api.observability import HOT_PATH, StatusSend, record
from app.domain.errors import DomainError
from app.errors import refusal
from app.models.base import utcnow
from app.models.loyalty.purchases import TransactionCreate
from app.models.text import IDEMPOTENCY_KEY
from app.services.conditional import etag_of, matches
from app.services.integration.api_keys import Principal, trusted
from app.services.loyalty.hot_posting import post_purchase_raw
from app.services.loyalty.points import get_tier_status_raw

_PREFIX = "/v1/customers/"
_SUFFIX = "/tier"
_MAX_ID = 64  # the tier route's path parameter bound
_MAX_TAG_LIST = 1000  # the tier route's If-None-Match bound
_POST_PATH = "/v1/transactions"
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY)
# the routes' own rules, read from their dependencies
_TIER_ACCESS: Access = MemberReader.__metadata__[0].dependency.access  # type: ignore[attr-defined]
_POST_ACCESS: Access = TransactionsWrite.__metadata__[0].dependency.access  # type: ignore[attr-defined]


async def _no_endpoint(_request: Request) -> Any:  # pragma: no cover - only labels telemetry
    raise NotImplementedError


#: What telemetry labels these requests with (`observability.route_template`).
TIER_ROUTE = Route(_PREFIX + "{customer_id}" + _SUFFIX, _no_endpoint, methods=["GET"])
POST_ROUTE = Route(_POST_PATH, _no_endpoint, methods=["POST"])
_TIER_SERVED = HOT_PATH.labels(TIER_ROUTE.path_format, "served")
_TIER_HANDED = HOT_PATH.labels(TIER_ROUTE.path_format, "route")
_POST_SERVED = HOT_PATH.labels(POST_ROUTE.path_format, "served")
_POST_HANDED = HOT_PATH.labels(POST_ROUTE.path_format, "route")


def _tier_id(scope: Scope) -> str | None:
    """The customer id of a tier read this layer takes, or None."""
    path: str = scope["path"]
    if scope["method"] != "GET" or not path.startswith(_PREFIX) or not path.endswith(_SUFFIX):
        return None
    customer_id = path[len(_PREFIX) : -len(_SUFFIX)]
    if not customer_id or len(customer_id) > _MAX_ID or "/" in customer_id:
        return None
    return customer_id


def _header(scope: Scope, name: bytes) -> tuple[bool, str | None]:
    """A header given at most once, and whether it was (twice: this layer leaves it to the route)."""
    found = [v for k, v in scope["headers"] if k == name]
    if len(found) > 1:
        return False, None
    return True, found[0].decode("latin-1") if found else None


class HotPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["query_string"]
            or getattr(scope["app"].state, "raw_pool", None) is None
            or "principal" not in scope["state"]
        ):
            await self.app(scope, receive, send)
        elif scope["method"] == "POST" and scope["path"] == _POST_PATH:
            await self._post(scope, receive, send)
        elif (customer_id := _tier_id(scope)) is not None:
            await self._tier(scope, receive, send, customer_id)
        else:
            await self.app(scope, receive, send)

    async def _hand(self, counter: Any, scope: Scope, receive: Receive, send: Send) -> None:
        """Leave the request to its FastAPI route."""
        counter.inc()
        scope.pop("route", None)
        await self.app(scope, receive, send)

    async def _tier(self, scope: Scope, receive: Receive, send: Send, customer_id: str) -> None:
        takes, if_none_match = _tags(scope)
        principal: Principal = scope["state"]["principal"]
        if not takes or not await _answer_tier(scope, receive, send, principal, customer_id, if_none_match):
            await self._hand(_TIER_HANDED, scope, receive, send)

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()  # `RequestGuard` hands the whole body over in one message
        raw: bytes = message.get("body", b"")
        replay = replaying(raw, receive)
        takes, key = _header(scope, b"idempotency-key")
        if message.get("more_body") or not takes or (key is not None and not _IDEMPOTENCY_KEY.match(key)):
            await self._hand(_POST_HANDED, scope, replay, send)
            return
        try:
            body = TransactionCreate.model_validate(orjson.loads(raw))
        except (orjson.JSONDecodeError, ValidationError):  # the route words the refusal
            await self._hand(_POST_HANDED, scope, replay, send)
            return
        scope["route"] = POST_ROUTE
        request = Request(scope, replay)
        principal: Principal = scope["state"]["principal"]
        try:
            await admit(request, principal, _POST_ACCESS)
            idempotency = (key, request_fingerprint(request, body)) if key is not None else None
            async with raw_connection(request) as conn:
                posted = await post_purchase_raw(
                    conn, request.app.state.rules_key, principal, body, utcnow(), idempotency
                )
        except DomainError as exc:
            _POST_SERVED.inc()
            await refusal(request, exc)(scope, replay, send)
            return
        if posted is None:  # the route posts it (its rate limit is not counted twice)
            await self._hand(_POST_HANDED, scope, replay, send)
            return
        _POST_SERVED.inc()
        payload = orjson.dumps(posted)
        await _send(send, 201, _json_headers(payload), payload)


def _tags(scope: Scope) -> tuple[bool, str | None]:
    """The If-None-Match a tier read this layer takes (given at most once, within the route's bound)."""
    takes, if_none_match = _header(scope, b"if-none-match")
    return takes and (if_none_match is None or len(if_none_match) <= _MAX_TAG_LIST), if_none_match


async def _answer_tier(
    scope: Scope,
    receive: Receive,
    send: Send,
    principal: Principal,
    customer_id: str,
    if_none_match: str | None,
) -> bool:
    """Answer a tier read on the raw pool; False, with nothing sent, when the route must (rules
    of another version than this worker holds: the route loads them)."""
    scope["route"] = TIER_ROUTE
    request = Request(scope, receive)
    try:
        await admit(request, principal, _TIER_ACCESS)
        async with raw_connection(request) as conn:
            status = await get_tier_status_raw(conn, request.app.state.rules_key, principal, customer_id)
    except DomainError as exc:
        _TIER_SERVED.inc()
        await refusal(request, exc)(scope, receive, send)
        return True
    if status is None:
        return False
    _TIER_SERVED.inc()
    body = status.__pydantic_serializer__.to_json(status)
    tag = etag_of(body)
    if matches(if_none_match, tag):
        await _send(send, 304, [(b"etag", tag.encode())], b"")
    else:
        await _send(send, 200, [*_json_headers(body), (b"etag", tag.encode())], body)
    return True


class TrustedTierReads:
    """Outermost: a tier read by an API key this worker already trusts, answered in this one
    layer (exists only for speed: the mobile app's polling call, issue 8).

    The layers it stands in for cost about a quarter of such a read's CPU: it does their work
    through the same plain functions (`request_id_of`, `trusted`, `admit`, `record`) and adds
    their headers in one place. Everything else goes down the whole stack: another method or
    path, a query string, a key not verified in the last half second (or a member token), a
    repeated Authorization or If-None-Match, an `Origin` (CORS answers it), SQLite, and a read
    whose rules this worker must load first (its rate limit counted once).
    """

    def __init__(self, app: ASGIApp, *, access_log: bool) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal, customer_id, if_none_match = self._takes(scope)
        if principal is None or customer_id is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state: dict[str, Any] = scope.setdefault("state", {})
        request_id = request_id_of(scope)
        state.update(request_id=request_id, principal=principal, key_id=principal.key_id)
        sender = StatusSend(send, state, ((b"x-request-id", request_id.encode()),))
        try:
            answered = await _answer_tier(scope, receive, sender, principal, customer_id, if_none_match)
        except BaseException:
            record(scope, sender.status, started, access_log=self.access_log)
            raise
        if answered:
            record(scope, sender.status, started, access_log=self.access_log)
            return
        scope.pop("route", None)
        await self.app(scope, receive, send)

    @staticmethod
    def _takes(scope: Scope) -> tuple[Principal | None, str | None, str | None]:
        """The trusted principal, customer id and If-None-Match of a tier read this layer takes."""
        if scope["type"] != "http" or scope["query_string"] or (customer_id := _tier_id(scope)) is None:
            return None, None, None
        app_state = scope["app"].state
        takes, if_none_match = _tags(scope)
        once, authorization = _header(scope, b"authorization")
        if (
            not takes
            or not once
            or authorization is None
            or "\x00" in customer_id
            or getattr(app_state, "raw_pool", None) is None
            or any(k == b"origin" for k, _ in scope["headers"])
        ):
            return None, None, None
        scheme, _, credentials = authorization.partition(" ")  # as `HTTPBearer` reads it
        if scheme.lower() != "bearer" or not credentials:
            return None, None, None
        return trusted(app_state.secret_key, credentials), customer_id, if_none_match


def _json_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
