"""The ASGI app: routers, error rendering, middleware; the engine is built in the lifespan."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app import errors
from app.api.deps import check_query
from app.api.middleware import RequestGuard
from app.api.v1 import ROUTERS
from app.db.engine import create_engine, create_sessionmaker
from app.db.uow import Database
from app.settings import Settings, get_settings, resolve_secret_key

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
        engine = create_engine(settings)
        app.state.db = Database(create_sessionmaker(engine), settings.write_retries)
        app.state.secret_key = resolve_secret_key(settings)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="Profit Loyalty CRM API",
        version="1.0.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    errors.install(app)
    for router in ROUTERS:  # included one level deep: nested routers cost on every request
        app.include_router(router, prefix="/v1", dependencies=[Depends(check_query)])

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def get_health() -> Health:
        """Liveness: answers as soon as the app is up (no auth)."""
        return Health(status="ok")

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    return app


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
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                _drop_null_variant(parameter)
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = errors.problems(422)[422]
    app.openapi_schema = schema
    return schema


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
