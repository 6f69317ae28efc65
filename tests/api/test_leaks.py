"""Nothing leaks: 401 before any validation, no redirects, 500s traceable, SQL parameters hidden."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.db.engine import create_engine
from app.main import create_app
from app.settings import Settings, resolve_secret_key
from tests.conftest import SECRET, make_key

ANONYMOUS_PROBES = [
    ("POST", "/v1/transactions", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
    ("PUT", "/v1/tiers", {"json": {"tiers": "nope"}}),
    ("POST", "/v1/service-types", {"json": {"code": "", "surprise": 1}}),
    ("GET", "/v1/customers", {"params": {"nonsense": "1", "limit": "x"}}),
    ("GET", "/v1/customers/..%2F..%2Fetc", {}),
    ("DELETE", "/v1/tiers", {}),  # a method the path does not offer
    ("GET", "/v1/no-such-thing", {}),
    ("GET", "/v1/tiers/", {}),
]


@pytest.mark.parametrize("credential", [None, "Bearer lk_forged_key", "Basic dXNlcjpwdw=="])
async def test_unauthenticated_callers_get_401_before_any_validation(
    client: httpx.AsyncClient, credential: str | None
) -> None:
    for method, path, probe in ANONYMOUS_PROBES:
        kw = dict(probe)
        headers = {**kw.pop("headers", {}), **({"Authorization": credential} if credential else {})}
        r = await client.request(method, path, headers=headers, **kw)
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert r.json()["code"] == "unauthorized" and r.headers["www-authenticate"] == "Bearer"
        assert r.headers["x-request-id"] == r.json()["request_id"]


async def test_a_trailing_slash_is_a_404_never_a_redirect(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for path in ("/v1/tiers/", "/v1/customers/", "/healthz/"):
        r = await client.get(path, headers={**admin, "Host": "evil.example"})
        assert r.status_code == 404 and "location" not in r.headers, (path, r.headers)
        assert r.headers["content-type"] == "application/problem+json"


async def test_a_500_carries_the_request_id_and_a_pool_timeout_is_a_503() -> None:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key=SECRET))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    @app.get("/pool")
    async def pool() -> None:  # a handler that waited too long for a second connection
        raise PoolTimeout("QueuePool limit of size 1 overflow 0 reached")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/boom", headers={"X-Request-ID": "trace-500"})
        busy = await c.get("/pool")
    assert r.status_code == 500 and r.headers["x-request-id"] == "trace-500" == r.json()["request_id"]
    assert (busy.status_code, busy.headers["retry-after"], busy.json()["code"]) == (503, "1", "busy")
    assert "QueuePool" not in busy.text


async def test_an_exhausted_pool_is_a_503_with_retry_after(migrated: str) -> None:
    app = create_app(Settings(database_url=migrated, secret_key=SECRET, pool_size=1, pool_timeout=0.2))
    async with app.router.lifespan_context(app):
        headers = await make_key(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
            async with app.state.db.unit_of_work(read_only=True) as held:
                await held.session.connection()  # the only connection is taken
                for r in (await c.get("/v1/tiers"), await c.post("/v1/transactions/quote", json={})):
                    assert r.status_code == 503, r.text
                    assert r.headers["retry-after"] == "1" and r.json()["code"] == "busy"
                assert (await c.get("/healthz")).status_code == 200
            assert (await c.get("/v1/tiers")).status_code == 200


async def test_database_errors_do_not_carry_parameters(migrated: str) -> None:
    engine = create_engine(Settings(database_url=migrated, secret_key=SECRET))
    insert = text(
        "INSERT INTO service_type (code, name, category, average_margin, points_weight, active, created_at) "
        "VALUES ('maintenance', :name, 'x', 0, 0, true, CURRENT_TIMESTAMP)"
    )
    try:
        async with engine.begin() as conn:
            with pytest.raises(IntegrityError) as caught:
                await conn.execute(insert, {"name": "Zhang San +8613800138000"})
        assert "8613800138000" not in str(caught.value)
        assert "hidden due to hide_parameters" in str(caught.value)
    finally:
        await engine.dispose()


def test_a_short_secret_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        resolve_secret_key(Settings(database_url="sqlite+aiosqlite:///x.db", secret_key="short"))
    assert resolve_secret_key(Settings(secret_key="k" * 32)) == "k" * 32
