"""Verified keys are trusted per worker for a moment (`api_keys.TRUST_FOR`): a revoke made in
one worker is in force in every worker of `crm serve --workers 2` within a second."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.services.integration.api_keys import TRUST_FOR
from tests.conftest import SECRET, _free_port

ROOT = Path(__file__).parents[2]


def _key(env: dict[str, str], scopes: str) -> str:
    created = subprocess.run(
        [sys.executable, "-m", "app.cli", "api-keys", "create", "--name", "trust", "--scopes", scopes],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


def _get(base: str, path: str, key: str) -> int:
    """One request on a new connection, so the two workers share them."""
    return httpx.get(base + path, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code


def test_a_revoked_key_is_refused_by_every_worker_within_a_second(
    migrated: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert TRUST_FOR < 1
    env = {
        **os.environ,
        "CRM_DATABASE_URL": migrated,
        "CRM_SECRET_KEY": SECRET,
        "CRM_WORKER_IN_SERVE": "false",
    }
    admin, reader = _key(env, "admin"), _key(env, "members:read")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("trust") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
                "--no-access-log",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        admin_headers = {"Authorization": f"Bearer {admin}"}
        member = httpx.post(
            f"{base}/v1/customers",
            json={"name": "Trust Test"},
            headers=admin_headers,
            timeout=10,
        )
        assert member.status_code == 201, member.text
        member_id = member.json()["id"]
        tier = f"/v1/customers/{member_id}/tier"
        # both workers verify and trust the key (new connections spread over the workers)
        assert {_get(base, tier, reader) for _ in range(30)} == {200}
        keys = httpx.get(f"{base}/v1/api-keys", params={"limit": 500}, headers=admin_headers, timeout=10)
        reader_id = next(k["id"] for k in keys.json()["items"] if reader.startswith(k["prefix"] + "_"))
        revoked = httpx.delete(f"{base}/v1/api-keys/{reader_id}", headers=admin_headers, timeout=10)
        assert revoked.status_code == 200
        time.sleep(1.0)
        assert {_get(base, tier, reader) for _ in range(30)} == {401}
        assert {_get(base, "/v1/customers?limit=1", reader) for _ in range(10)} == {401}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
