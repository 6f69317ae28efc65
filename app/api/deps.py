"""Request-scoped dependencies: the unit of work, the caller's principal, list parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.uow import Database, UnitOfWork
from app.domain.errors import FieldProblem, Forbidden, InvalidInput, Unauthorized
from app.models.base import utcnow
from app.models.integration.api_keys import Scope
from app.models.text import CURSOR, IDEMPOTENCY_KEY
from app.services.integration.api_keys import Principal, authenticate
from app.services.integration.idempotency import fingerprint, run_idempotent

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer lk_…`")


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


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """The request's one session, shared by authentication and the handler.

    GET requests read outside a transaction; other methods authenticate and act in one
    transaction, committed by the handler's `uow.run` before the response is sent.
    """
    database: Database = request.app.state.db
    async with database.unit_of_work(read_only=request.method == "GET") as uow:
        yield uow


UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]


async def get_principal(
    request: Request,
    uow: UoW,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("send an API key as `Authorization: Bearer <key>`")
    secret: str = request.app.state.secret_key
    principal, touched = await uow.read(lambda s: authenticate(s, secret, credentials.credentials, utcnow()))
    if touched:  # keep the last use even if the handler then fails (at most once a minute per key)
        await uow.commit()
    return principal


def require(scope: Scope) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through keys holding `scope` (or admin)."""

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.has(scope):
            raise Forbidden(f"this API key lacks the {scope.value} scope")
        return principal

    return check


MembersRead = Annotated[Principal, Depends(require(Scope.members_read))]
MembersWrite = Annotated[Principal, Depends(require(Scope.members_write))]
TransactionsWrite = Annotated[Principal, Depends(require(Scope.transactions_write))]
PointsWrite = Annotated[Principal, Depends(require(Scope.points_write))]
Admin = Annotated[Principal, Depends(require(Scope.admin))]

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
    request_hash = fingerprint(request.method, str(request.url.path) + "?" + str(request.url.query), body)
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
