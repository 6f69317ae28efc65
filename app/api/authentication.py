"""Authenticate every /v1 request before routing and validation.

An anonymous or wrongly keyed caller gets 401 whatever it sent: FastAPI parses the body and
runs router dependencies (the query check) before a route's own dependencies, so a route
dependency alone would answer such callers 422 about their input. The request's unit of
work opens here and the handler uses it (`deps.get_uow`): one session per request.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import bearer, get_principal
from app.db.uow import Database
from app.domain.errors import DomainError
from app.errors import refusal

API_PREFIX = "/v1/"
#: Answered to anyone: what a third party needs to verify what we sign.
PUBLIC_PATHS = frozenset({"/v1/.well-known/statement-key"})


class AuthenticateFirst:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIX) or path in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        database: Database = request.app.state.db
        # closed by hand, not by a context-manager stack: a few percent of a tier read's CPU (issue 8)
        uow = database.new_unit_of_work(read_only=scope["method"] == "GET")
        try:
            try:
                principal = await get_principal(request, uow, await bearer(request))
            except (DomainError, PoolTimeout) as exc:
                await refusal(request, exc)(scope, receive, send)
                return
            scope["state"]["uow"] = uow
            scope["state"]["principal"] = principal
            await self.app(scope, receive, send)
        finally:
            await uow.close()
