"""The ASGI app: routers, error rendering, middleware; the engine is built in the lifespan."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app import errors
from app.api import docs, health, ratelimit
from app.api.authentication import AuthenticateFirst
from app.api.deps import access_of, check_query
from app.api.hot import HotPaths, TrustedTierReads
from app.api.middleware import RequestGuard
from app.api.observability import Observability
from app.api.v1 import ROUTERS
from app.db.engine import create_engine, create_sessionmaker
from app.db.migrate import head_revisions
from app.db.raw import create_raw_pool
from app.db.uow import Database
from app.logs import configure_logging
from app.settings import Settings, get_settings, resolve_secret_key, resolve_statement_key
from app.worker.runner import Worker

API_DESCRIPTION = """Profit-aware loyalty and customer management for dealerships and retailers.

Members earn points weighted mostly by the **profit** they bring (share X) and partly by
**spend** (share Y = 1 − X), are graded into tiers by lifetime points, and get a tier
rebate that never takes a price below cost. Money and points are decimal strings with
2 places. Errors are RFC 9457 `application/problem+json`.
"""


class Health(BaseModel):
    status: str


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(json_lines=settings.log_json)
        engine = create_engine(settings)
        app.state.db = Database(create_sessionmaker(engine), settings.write_retries)
        app.state.raw_pool = await create_raw_pool(settings)
        app.state.rules_key = str(engine.url)
        app.state.secret_key = resolve_secret_key(settings)
        app.state.statement_key = resolve_statement_key(settings)
        app.state.engine, app.state.settings = engine, settings
        app.state.schema_heads = head_revisions(settings.database_url)
        app.state.limiter = ratelimit.RateLimiter.from_settings(settings)
        stop = asyncio.Event()
        worker = (
            asyncio.create_task(Worker(app.state.db, settings).run(stop))
            if settings.worker_in_serve
            else None
        )
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            await app.state.limiter.counter.close()
            if app.state.raw_pool is not None:
                await app.state.raw_pool.close()
            await engine.dispose()

    app = FastAPI(
        title="Profit Loyalty CRM API",
        version="1.0.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        redirect_slashes=False,  # a redirect would be built from the Host header; 404 instead
        docs_url=None,
        redoc_url=None,
        # our telemetry is `Observability`; FastAPI's OpenTelemetry hooks, unconfigured here,
        # still cost an environment lookup per request
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    errors.install(app)
    for router in ROUTERS:  # included one level deep: nested routers cost on every request
        app.include_router(router, prefix="/v1", dependencies=[Depends(check_query)])

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def get_health() -> Health:
        """Liveness: answers as soon as the app is up (no auth)."""
        return Health(status="ok")

    app.include_router(health.router)
    docs.install(app)

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(HotPaths)  # innermost: after authentication, before FastAPI's routing
    app.add_middleware(AuthenticateFirst)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    _add_operations_middleware(app, settings)  # CORS, then telemetry
    app.add_middleware(TrustedTierReads, access_log=settings.access_log)  # outermost: skips the rest
    return app


def _add_operations_middleware(app: FastAPI, settings: Settings) -> None:
    """CORS for the allowed browser origins (none by default), then telemetry outermost."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match"],
            expose_headers=[
                "ETag",
                "Idempotent-Replayed",
                "RateLimit",
                "RateLimit-Policy",
                "Retry-After",
                "X-Request-ID",
            ],
            max_age=600,
        )
    app.add_middleware(Observability, access_log=settings.access_log)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The contract, with FastAPI's default validation error replaced by our Problem."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        openapi_version="3.1.0",
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Problem"] = errors.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(components["Problem"].pop("$defs", {}))
    components["Problem"]["properties"]["code"]["description"] = errors.code_description()
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                _drop_null_variant(parameter)
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = errors.problems(422)[422]
    _document_access(schema)
    ratelimit.document(schema)
    app.openapi_schema = schema
    return schema


def _document_access(schema: dict[str, Any]) -> None:
    """Each operation's required scope, read from its `require` dependency (never by hand).

    Any authenticated operation may answer 404 to a member token, so 404 is documented on all.
    """
    accesses = {
        route.name: access
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and (access := access_of(route.dependant)) is not None
    }
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            access = accesses.get(operation.get("operationId"))
            if access is None:
                continue
            operation["x-required-scope"] = access.scope.value
            operation["x-store-bound-keys"] = access.store_bound
            operation["x-member-token"] = access.member_token
            operation["description"] = (operation.get("description", "") + "\n\n" + access.describe()).strip()
            operation["responses"].setdefault("404", errors.problems(404)[404])


def _drop_null_variant(parameter: dict[str, Any]) -> None:
    """An optional query or header parameter is absent, never null: `anyOf [T, null]` becomes `T`."""
    schema = parameter.get("schema", {})
    variants = schema.get("anyOf")
    if (
        parameter.get("in") in ("query", "header")
        and variants
        and len(variants) == 2
        and {"type": "null"} in variants
    ):
        kept = next(v for v in variants if v != {"type": "null"})
        schema.pop("anyOf")
        schema.update(kept)


def openapi_text(application: FastAPI) -> str:
    """The contract as committed: stable key order, UTF-8, trailing newline."""
    return json.dumps(application.openapi(), indent=2, ensure_ascii=False) + "\n"


app = create_app()
