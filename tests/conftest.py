"""Fixtures: a database built by the migrations (SQLite file or PostgreSQL), reset per test.

`CRM_TEST_DATABASE_URL` picks the database; unset, a temporary SQLite file is used.
Each test starts from the same state: the default catalogue and settings, the demo stores
(dealer-01, dealer-02, dealer-03), no members.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db.migrate import upgrade
from app.main import create_app
from app.models import metadata
from app.models.base import utcnow
from app.models.integration.api_keys import ApiKeyCreate, Scope
from app.services import seed
from app.services.integration import api_keys
from app.settings import Settings

# On a failure Hypothesis prints the example and the blob that replays it.
settings.register_profile("crm", print_blob=True)
settings.load_profile("crm")

SECRET = "test-secret-key-of-at-least-32-bytes"
DATA_TABLES = [t.name for t in reversed(metadata.sorted_tables)]


def pytest_report_header() -> str:
    return f"database: {os.environ.get('CRM_TEST_DATABASE_URL') or 'temporary SQLite file'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not url:
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"

    async def wipe() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(wipe())
    return url


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    upgrade(database_url)
    return database_url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
async def app(migrated: str) -> AsyncIterator[FastAPI]:
    application = create_app(Settings(database_url=migrated, secret_key=SECRET, worker_in_serve=False))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
async def reset(request: pytest.FixtureRequest) -> None:
    """Every API test starts from the default catalogue, settings and demo stores, and no members."""
    if "app" not in request.fixturenames:
        return
    application: FastAPI = request.getfixturevalue("app")

    async def run(session) -> None:  # type: ignore[no-untyped-def]
        for table in DATA_TABLES:
            if table not in ("points_settings", "webhook_state"):  # versions only move forward
                await session.execute(text(f"DELETE FROM {table}"))
        await session.execute(
            text(
                "UPDATE points_settings SET x_development = 8000, x_maintenance = 8000, point_value = 100, "
                "liability_warning = 10000000, liability_critical = 25000000, liability_target = 7500000, "
                "points_expiry_months = NULL, pnl_margin_floor = 500"
            )
        )
        # endpoints were deleted behind the processes' backs: make them reload their subscriptions
        await session.execute(text("UPDATE webhook_state SET version = version + 1"))
        await seed.seed_catalogue(session, utcnow())
        await seed.seed_stores(session, utcnow())  # dealer-01, dealer-02, dealer-03

    await application.state.db.run(run)


async def make_key(app: FastAPI, *scopes: Scope, store_id: str | None = None) -> dict[str, str]:
    """Authorization headers for a new key with `scopes` (admin when none given)."""
    body = ApiKeyCreate(name="test", scopes=list(scopes) or [Scope.admin], store_id=store_id)
    created = await app.state.db.run(
        lambda s: api_keys.create_api_key(s, SECRET, api_keys.ROOT, body, utcnow())
    )
    return {"Authorization": f"Bearer {created.key}"}


@pytest.fixture
async def admin(app: FastAPI) -> dict[str, str]:
    return await make_key(app)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(migrated: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `crm serve` on the test database; yields its base URL."""
    port = _free_port()
    # Its background worker is off: tests that need one start their own.
    env = {
        **os.environ,
        "CRM_DATABASE_URL": migrated,
        "CRM_SECRET_KEY": SECRET,
        "CRM_WORKER_IN_SERVE": "false",
    }
    log = tmp_path_factory.mktemp("server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-access-log"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).parents[1],
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError(f"crm serve did not start:\n{log.read_text()}")
    yield base
    proc.terminate()
    proc.wait(timeout=10)
