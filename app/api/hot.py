"""The tier read served below FastAPI's request handling (exists only for speed).

`GET /v1/customers/{customer_id}/tier` is the mobile app's polling call. FastAPI's dependency
and parameter machinery alone costs more than the rest of this request (issue 8), so this
innermost ASGI layer answers it directly: after `AuthenticateFirst` (the same principal), with
the same access rule and rate limit (`deps.admit`), the same visibility and figures
(`services.loyalty.points.get_tier_status_raw` on a raw asyncpg connection), the same ETag /
`If-None-Match` handling and the same problem+json refusals (`errors.refusal`). Request ids,
CORS and telemetry come from the outer middleware as for any route.

The operation stays declared once, by its FastAPI route (`api/v1/loyalty/points.py`), which
also answers whatever this layer does not take: SQLite or PgBouncer (no raw pool), a query
string (refused there as unknown parameters), an over-long id or `If-None-Match` (422), other
methods, and a worker whose cached rules are not the version just read.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import Access, MemberReader, admit
from app.domain.errors import Busy, DomainError
from app.errors import refusal
from app.services.conditional import etag_of, matches
from app.services.integration.api_keys import Principal
from app.services.loyalty.points import get_tier_status_raw

_PREFIX = "/v1/customers/"
_SUFFIX = "/tier"
_MAX_ID = 64  # the route's path parameter bound
_MAX_TAG_LIST = 1000  # the route's If-None-Match bound
_ACCESS: Access = MemberReader.__metadata__[0].dependency.access  # type: ignore[attr-defined]  # the route's


async def _no_endpoint(_request: Request) -> Any:  # pragma: no cover - only labels telemetry
    raise NotImplementedError


#: What telemetry labels these requests with (`observability.route_template`).
TIER_ROUTE = Route(_PREFIX + "{customer_id}" + _SUFFIX, _no_endpoint, methods=["GET"])


def _tier_id(scope: Scope) -> str | None:
    """The customer id of a tier read this layer takes, or None."""
    path: str = scope["path"]
    if scope["method"] != "GET" or scope["query_string"] or not path.startswith(_PREFIX):
        return None
    if not path.endswith(_SUFFIX):
        return None
    customer_id = path[len(_PREFIX) : -len(_SUFFIX)]
    if not customer_id or len(customer_id) > _MAX_ID or "/" in customer_id:
        return None
    return customer_id


def _if_none_match(scope: Scope) -> tuple[bool, str | None]:
    """The `If-None-Match` header, and whether this layer may take it (one, within bounds)."""
    found = [v for k, v in scope["headers"] if k == b"if-none-match"]
    if not found:
        return True, None
    if len(found) > 1 or len(found[0]) > _MAX_TAG_LIST:
        return False, None
    return True, found[0].decode("latin-1")


class HotPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        customer_id = _tier_id(scope) if scope["type"] == "http" else None
        pool = scope["app"].state.raw_pool if customer_id is not None else None
        if pool is None or customer_id is None:
            await self.app(scope, receive, send)
            return
        takes, if_none_match = _if_none_match(scope)
        if not takes:
            await self.app(scope, receive, send)
            return
        scope["route"] = TIER_ROUTE
        request = Request(scope, receive)
        principal: Principal = scope["state"]["principal"]
        try:
            await admit(request, principal, _ACCESS)
            try:
                async with pool.acquire(timeout=request.app.state.settings.pool_timeout) as conn:
                    status = await get_tier_status_raw(
                        conn, request.app.state.rules_key, principal, customer_id
                    )
            except TimeoutError:
                raise Busy("every database connection is in use; retry shortly") from None
        except DomainError as exc:
            await refusal(request, exc)(scope, receive, send)
            return
        if status is None:  # rules of another version than this worker holds: the route loads them
            del scope["route"]
            await self.app(scope, receive, send)
            return
        body = status.__pydantic_serializer__.to_json(status)
        tag = etag_of(body)
        if matches(if_none_match, tag):
            await _send(send, 304, [(b"etag", tag.encode())], b"")
            return
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"etag", tag.encode()),
        ]
        await _send(send, 200, headers, body)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
