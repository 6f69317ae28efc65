"""Offline /docs, readiness, metrics, CORS and in-process rate limits."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from fastapi import FastAPI

from app.main import create_app
from app.models.integration.api_keys import Scope
from app.settings import Settings
from tests.conftest import SECRET, make_key
from tests.helpers import line, new_member, post, purchase


@asynccontextmanager
async def app_with(database_url: str, **options: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on the test database with other operations settings."""
    application = create_app(Settings(database_url=database_url, secret_key=SECRET, **options))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_docs_and_every_asset_they_reference_come_from_the_server(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r'url: "([^"]+)"', page.text)
    assert len(references) >= 4 and not re.search(r"https?://", page.text)
    for reference in references:
        url = urljoin("http://testserver/docs", reference)
        assert urlsplit(url).netloc == "testserver", reference
        asset = await client.get(url)
        assert asset.status_code == 200 and asset.content, reference
        if reference.endswith(".css"):  # and whatever the stylesheet pulls in
            for inner in re.findall(r"url\(([^)]+)\)", asset.text):
                assert inner.strip("'\"").startswith("data:"), inner
    assert (await client.get("/redoc")).status_code == 404  # the CDN-based page is gone


async def test_readiness_checks_the_database_and_its_schema(app: FastAPI, client: httpx.AsyncClient) -> None:
    assert (await client.get("/readyz")).json() == {"status": "ready"}
    heads = app.state.schema_heads
    app.state.schema_heads = {"9999"}
    try:
        behind = await client.get("/readyz")
    finally:
        app.state.schema_heads = heads
    assert behind.status_code == 503 and behind.json()["code"] == "not_ready"
    assert "crm migrate" in behind.json()["detail"]


async def test_metrics_need_the_token_and_label_routes_by_template(
    migrated: str, app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    assert (await client.get("/metrics")).status_code == 404  # off without CRM_METRICS_TOKEN
    member = await new_member(client, admin)
    async with app_with(migrated, metrics_token="scrape-me") as ops:
        await ops.get(f"/v1/customers/{member['id']}", headers=admin)
        assert (await ops.get("/metrics")).status_code == 404
        assert (await ops.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 404
        scraped = await ops.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert 'route="/v1/customers/{customer_id}",status="200"' in text
    assert member["id"] not in text  # templates, never raw paths
    assert "crm_http_request_duration_seconds_bucket" in text
    assert re.search(r"^crm_db_pool_in_use \d", text, re.M)
    assert re.search(r"^crm_members 1\.0$", text, re.M)
    assert re.search(r"^crm_outbox_events 0\.0$", text, re.M)
    assert re.search(r"^crm_webhook_deliveries_due 0\.0$", text, re.M)
    assert re.search(r"^process_resident_memory_bytes \S+$", text, re.M)


async def test_cors_is_closed_by_default_and_opens_for_listed_origins(
    migrated: str, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    preflight = {"Origin": "https://h5.dealer.example", "Access-Control-Request-Method": "GET"}
    closed = await client.get("/v1/tiers", headers={**admin, "Origin": "https://h5.dealer.example"})
    assert "access-control-allow-origin" not in closed.headers
    async with app_with(migrated, cors_origins=["https://h5.dealer.example"]) as web:
        allowed = await web.options(
            "/v1/tiers",
            headers={**preflight, "Access-Control-Request-Headers": "authorization,if-none-match"},
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://h5.dealer.example"
        other = await web.options("/v1/tiers", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        read = await web.get("/v1/tiers", headers={**admin, "Origin": "https://h5.dealer.example"})
        assert "etag" in read.headers["access-control-expose-headers"].lower()


async def test_rate_limits_per_key_and_scope(app: FastAPI, migrated: str) -> None:
    reader = await make_key(app, Scope.members_read)
    other_reader = await make_key(app, Scope.members_read)
    poster = await make_key(app, Scope.members_read, Scope.members_write, Scope.transactions_write)
    async with app_with(migrated, rate_limits={"members:read": 2, "*": 100}) as limited:
        first = await limited.get("/v1/tiers", headers=reader)
        assert first.headers["RateLimit-Policy"] == '"members:read";q=2;w=60'
        assert re.fullmatch(r'"members:read";r=1;t=\d+', first.headers["RateLimit"])
        assert (await limited.get("/v1/customers", headers=reader)).status_code == 200
        refused = await limited.get("/v1/tiers", headers=reader)
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert re.fullmatch(r'"members:read";r=0;t=\d+', refused.headers["RateLimit"])
        assert (await limited.get("/v1/tiers", headers=other_reader)).status_code == 200  # per key
        member = await new_member(limited, poster)  # another scope, another allowance
        posted = await post(limited, poster, purchase(member["id"], line("maintenance", "100.00", "0.5")))
        assert (
            posted.status_code == 201
            and posted.headers["RateLimit-Policy"] == '"transactions:write";q=100;w=60'
        )
        assert (await limited.get("/healthz")).headers.get("RateLimit") is None  # no key, no limit


async def test_the_request_id_is_echoed_and_quoted_in_problems(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/tiers", headers={"X-Request-ID": "pos-7-retry-2"})
    assert r.headers["X-Request-ID"] == "pos-7-retry-2" and r.json()["request_id"] == "pos-7-retry-2"
    generated = await client.get("/v1/tiers")
    assert generated.json()["request_id"] == generated.headers["X-Request-ID"]


async def test_an_unreachable_redis_lets_requests_through(app: FastAPI, migrated: str) -> None:
    reader = await make_key(app, Scope.members_read)
    async with app_with(migrated, rate_limits={"*": 1}, redis_url="redis://127.0.0.1:9/0") as limited:
        answers = [await limited.get("/v1/tiers", headers=reader) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert all("RateLimit" not in r.headers for r in answers)
