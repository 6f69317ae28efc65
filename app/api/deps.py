"""Request-scoped dependencies: the unit of work, the caller's principal, list parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.ratelimit import enforce as rate_limit
from app.db.uow import UnitOfWork
from app.domain.errors import (
    Busy,
    FieldProblem,
    InvalidInput,
    MissingScope,
    NotFound,
    StoreNotAllowed,
    Unauthorized,
)
from app.models.base import utcnow
from app.models.integration.api_keys import Scope
from app.models.text import CURSOR, IDEMPOTENCY_KEY
from app.services.integration.api_keys import Principal, authenticate, trusted
from app.services.integration.idempotency import fingerprint, run_idempotent
from app.services.integration.member_tokens import TOKEN_PREFIX, authenticate_token

bearer = HTTPBearer(
    auto_error=False, description="An API key (`Authorization: Bearer lk_…`) or a member token (`mt_…`)."
)


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def check_query(request: Request) -> None:
    """Refuse undeclared or repeated query parameters (a typo must not widen a search)."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    given = [name for name, _ in request.query_params.multi_items()]
    known = _query_names(dependant)
    problems = [FieldProblem(n, "is not a parameter of this operation") for n in sorted(set(given) - known)]
    problems += [FieldProblem(n, "is given more than once") for n in sorted(known) if given.count(n) > 1]
    if problems:
        raise InvalidInput("invalid query parameters", errors=problems)


async def get_uow(request: Request) -> UnitOfWork:
    """The request's one session, opened by `AuthenticateFirst` and shared with authentication.

    GET requests read outside a transaction; other methods authenticate and act in one
    transaction, committed by the handler's `uow.run` before the response is sent.
    """
    uow: UnitOfWork = request.state.uow
    return uow


UoW = Annotated[UnitOfWork, Depends(get_uow)]


async def get_principal(
    request: Request, uow: UnitOfWork, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """Who is calling; run by `AuthenticateFirst` before routing or any validation."""
    if credentials is None:
        raise Unauthorized("send an API key as `Authorization: Bearer <key>`")
    secret: str = request.app.state.secret_key
    raw = credentials.credentials
    if raw.startswith(TOKEN_PREFIX):
        principal = await uow.read(lambda s: authenticate_token(s, secret, raw, utcnow()))
        request.state.key_id = principal.key_id  # for the request log (never the token itself)
        return principal
    known = trusted(secret, raw)
    if known is not None:  # verified by this worker a moment ago: no query
        request.state.key_id = known.key_id
        return known
    principal, touched = await uow.read(lambda s: authenticate(s, secret, raw, utcnow()))
    request.state.key_id = principal.key_id  # for the request log (never the key itself)
    if touched:  # keep the last use even if the handler then fails (at most once a minute per key)
        await uow.commit()
    return principal


async def current_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The principal `AuthenticateFirst` found (the bearer parameter documents the scheme)."""
    principal: Principal = request.state.principal
    return principal


@dataclass(frozen=True)
class Access:
    """Who may call an operation; the contract shows it (`x-required-scope`)."""

    scope: Scope
    store_bound: bool = True
    member_token: bool = False

    def describe(self) -> str:
        text = f"Requires scope `{self.scope.value}`"
        if not self.store_bound:
            text += " on a key without a store restriction"
        if self.member_token:
            text += ", or a member token for this member"
        return text + "."


def require(
    scope: Scope, *, store_bound: bool = True, member_token: bool = False
) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through keys holding `scope` (or admin).

    `store_bound=False` refuses store-bound keys (settings that apply to every store);
    `member_token=True` also lets a member token through, to its own member's reads (the
    service checks which member). Any other operation does not exist for a member token.
    """

    access = Access(scope, store_bound, member_token)

    async def check(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        await admit(request, principal, access)
        return principal

    check.access = access  # type: ignore[attr-defined]
    return check


async def admit(request: Request, principal: Principal, access: Access) -> None:
    """Let `principal` through `access` (else 404 / 403) and count it against its rate limit."""
    if principal.customer_id is not None:
        if not access.member_token:
            raise NotFound("no such resource for a member token")
    elif not principal.has(access.scope):
        raise MissingScope(f"this API key lacks the {access.scope.value} scope")
    elif not access.store_bound and principal.store_id is not None:
        raise StoreNotAllowed(
            f"this operation needs a key without a store restriction, with {access.scope.value}"
        )
    state = request.scope.setdefault("state", {})
    if not state.pop("admitted", False):  # a hot path's fallback to the route is counted once
        await rate_limit(request, principal.key_id, access.scope.value)
    state["admitted"] = True


def access_of(dependant: Dependant) -> Access | None:
    """The `Access` of the `require` dependency an operation uses, if any."""
    for sub in dependant.dependencies:
        found = getattr(sub.call, "access", None) or access_of(sub)
        if found is not None:
            return found
    return None


MembersRead = Annotated[Principal, Depends(require(Scope.members_read))]
MemberReader = Annotated[Principal, Depends(require(Scope.members_read, member_token=True))]
MembersWrite = Annotated[Principal, Depends(require(Scope.members_write))]
TransactionsWrite = Annotated[Principal, Depends(require(Scope.transactions_write))]
PointsWrite = Annotated[Principal, Depends(require(Scope.points_write))]
StoreAdmin = Annotated[Principal, Depends(require(Scope.admin))]
Admin = Annotated[Principal, Depends(require(Scope.admin, store_bound=False))]
# Finance figures are group-wide: a store-bound key never reads them.
FinanceRead = Annotated[Principal, Depends(require(Scope.finance_read, store_bound=False))]

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500).")]
Cursor = Annotated[
    str | None,
    Query(max_length=200, pattern=CURSOR, description="`next_cursor` of the previous page, unchanged."),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=IDEMPOTENCY_KEY,
        description="Retry-safe key (printable ASCII without spaces, e.g. a UUID): the same key and "
        "body replay the first response.",
    ),
]
AllowDuplicate = Annotated[
    bool, Query(description="Create or update even when the phone, email or external_ref is already in use.")
]


def request_fingerprint(request: Request, body: BaseModel | None) -> str:
    """What an Idempotency-Key is bound to: the method, the URL and the body."""
    return fingerprint(request.method, str(request.url.path) + "?" + str(request.url.query), body)


@asynccontextmanager
async def raw_connection(request: Request) -> AsyncIterator[Any]:
    """A connection of the raw pool (`app.db.raw`) for a hot path; 503 when none frees up in time."""
    pool = request.app.state.raw_pool
    # an idle connection is handed over at once: only a wait needs the timeout's machinery
    # (a few percent of a tier read's CPU, issue 8)
    timeout = None if pool.get_idle_size() else request.app.state.settings.pool_timeout
    try:
        connection = await pool.acquire(timeout=timeout)
    except TimeoutError:
        raise Busy("every database connection is in use; retry shortly") from None
    try:
        yield connection
    finally:
        await pool.release(connection)


async def create_once(
    request: Request,
    uow: UnitOfWork,
    principal: Principal,
    idempotency_key: str | None,
    body: BaseModel | None,
    create: Callable[[AsyncSession], Awaitable[BaseModel]],
    secret_fields: tuple[str, ...] = (),
) -> JSONResponse:
    """Run a creating use case under its Idempotency-Key and answer 201 (or the replayed first answer)."""
    request_hash = request_fingerprint(request, body)
    outcome = await uow.run(
        lambda s: run_idempotent(
            s,
            api_key_id=principal.key_id,
            key=idempotency_key,
            request_hash=request_hash,
            status=201,
            create=lambda: create(s),
            secret_fields=secret_fields,
        )
    )
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)
