"""`crm serve`: the access log never records a credential; a short secret key stops it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SECRET, _free_port

ROOT = Path(__file__).parents[2]


def test_a_short_secret_key_stops_the_server(migrated: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(_free_port())],
        env={**os.environ, "CRM_DATABASE_URL": migrated, "CRM_SECRET_KEY": "too-short"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "CRM_SECRET_KEY must be at least 32 bytes" in result.stderr


def test_the_access_log_records_no_credential(
    migrated: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    env = {**os.environ, "CRM_DATABASE_URL": migrated, "CRM_SECRET_KEY": SECRET}
    created = subprocess.run(
        [sys.executable, "-m", "app.cli", "api-keys", "create", "--name", "log", "--scopes", "admin"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    port = _free_port()
    log = tmp_path_factory.mktemp("access") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + 30
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
            while True:
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            assert c.get("/v1/tiers", headers=headers).status_code == 200
            assert c.get("/v1/tiers", params={"api_key": key}).status_code == 401
            assert c.get(f"/v1/customers/{key}", headers=headers).status_code == 404
        time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    text = log.read_text()
    assert '"method":"GET","route":"/v1/tiers","status":200' in text, text  # one JSON line per request
    assert key not in text and key.split("_")[1] not in text and "api_key=" not in text, text
