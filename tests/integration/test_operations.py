"""Operations through real `crm serve` processes: a rate limit shared in Redis, draining on
SIGTERM, and the JSON request log."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import SECRET, _free_port

REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = pytest.mark.server


@contextmanager
def crm_serve(database_url: str, log: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    settings = {"CRM_DATABASE_URL": database_url, "CRM_SECRET_KEY": SECRET, **env}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env={**os.environ, **settings},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).parents[2],
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"crm serve did not start:\n{log.read_text()}")
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def new_key(database_url: str, *scopes: str) -> str:
    env = {**os.environ, "CRM_DATABASE_URL": database_url, "CRM_SECRET_KEY": SECRET}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "api-keys",
            "create",
            "--name",
            "ops",
            "--scopes",
            ",".join(scopes),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    return out.stdout.strip().splitlines()[-1]


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_up(), reason="no Redis at 127.0.0.1:6379")
def test_two_instances_share_one_limit_through_redis(migrated: str, tmp_path: Path) -> None:
    key = new_key(migrated, "members:read")
    env = {
        "CRM_REDIS_URL": REDIS_URL,
        "CRM_REDIS_PREFIX": f"crm-test-{secrets.token_hex(6)}",  # this run's counters only
        "CRM_RATE_LIMITS": json.dumps({"members:read": 4}),
        "CRM_RATE_LIMIT_WINDOW": "3600",
    }
    headers = {"Authorization": f"Bearer {key}"}
    with (
        crm_serve(migrated, tmp_path / "a.log", **env) as (a, _),
        crm_serve(migrated, tmp_path / "b.log", **env) as (b, _),
    ):
        answers = [httpx.get(f"{base}/v1/tiers", headers=headers, timeout=10) for base in (a, b, a, b, a, b)]
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429, 429]
    assert [r.headers["RateLimit"].split(";")[1] for r in answers[:4]] == ["r=3", "r=2", "r=1", "r=0"]
    assert int(answers[5].headers["Retry-After"]) > 0


def test_sigterm_drains_then_stops_and_requests_are_logged_as_json(migrated: str, tmp_path: Path) -> None:
    key = new_key(migrated, "members:read")
    headers = {"Authorization": f"Bearer {key}", "X-Request-ID": "drain-check-1"}
    log = tmp_path / "serve.log"
    with crm_serve(migrated, log, CRM_SHUTDOWN_DRAIN_SECONDS="3") as (base, proc):
        assert httpx.get(f"{base}/readyz").status_code == 200
        assert httpx.get(f"{base}/v1/tiers", headers=headers).status_code == 200
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        draining = httpx.get(f"{base}/readyz")
        assert draining.status_code == 503 and draining.json()["code"] == "not_ready"
        assert httpx.get(f"{base}/v1/tiers", headers=headers).status_code == 200  # still serving
        proc.wait(timeout=20)
    lines = [json.loads(text) for text in log.read_text().splitlines() if text.strip()]
    requests = [entry for entry in lines if entry.get("event") == "request"]
    tiers = next(e for e in requests if e["request_id"] == "drain-check-1")
    assert tiers["route"] == "/v1/tiers" and tiers["status"] == 200 and tiers["method"] == "GET"
    assert tiers["key_id"].startswith("key_") and tiers["duration_ms"] >= 0
    assert {"time", "level"} <= tiers.keys()
    assert [e["status"] for e in requests if e["route"] == "/readyz"] == [200, 503]
    secret = key.split("_", 2)[-1]  # lk_<prefix>_<secret>; the secret may itself hold "_"
    assert key not in log.read_text() and secret not in log.read_text()


def test_a_request_in_flight_at_sigterm_is_finished(migrated: str, tmp_path: Path) -> None:
    key = new_key(migrated, "members:write")
    sent_headers = threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield b'{"name": "Slow '
        sent_headers.set()
        time.sleep(1.5)  # the server is told to stop while this body is still arriving
        yield b'Upload"}'

    with crm_serve(migrated, tmp_path / "serve.log", CRM_SHUTDOWN_DRAIN_SECONDS="0") as (base, proc):
        with ThreadPoolExecutor(1) as pool:
            answer = pool.submit(
                httpx.post,
                f"{base}/v1/customers",
                content=slow_body(),
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                timeout=30,
            )
            assert sent_headers.wait(10)
            time.sleep(0.3)
            proc.send_signal(signal.SIGTERM)
            response = answer.result(timeout=30)
        proc.wait(timeout=20)
    assert response.status_code == 201 and response.json()["name"] == "Slow Upload"
