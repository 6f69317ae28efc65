"""The `crm` command: keys made by the CLI work against the server; seed is idempotent."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import SECRET

ROOT = Path(__file__).parents[2]


def crm(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_cli_key_works_with_the_server_and_can_be_revoked(server: str, migrated: str) -> None:
    env = {"CRM_DATABASE_URL": migrated, "CRM_SECRET_KEY": SECRET}
    out = crm("api-keys", "create", "--name", "cli test", "--scopes", "members:read", env=env)
    key = out.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{server}/v1/tiers", headers=headers).status_code == 200
    key_id = out.split()[1]
    assert key_id in crm("api-keys", "list", env=env)
    crm("api-keys", "revoke", key_id, env=env)
    assert httpx.get(f"{server}/v1/tiers", headers=headers).status_code == 401


def test_embedded_default_seeds_once_and_keeps_its_secret(tmp_path: Path) -> None:
    env = {"CRM_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}", "CRM_SECRET_KEY": ""}
    first = crm("seed", env=env)
    assert "demo members added: 5" in first and first.strip().splitlines()[-1].startswith("lk_")
    second = crm("seed", env=env)
    assert "already present" in second and "demo members added: 0" in second
    assert (tmp_path / "crm.db.secret").stat().st_mode & 0o077 == 0
    key = crm("api-keys", "create", "--name", "x", "--scopes", "admin", env=env).strip().splitlines()[-1]
    assert key.startswith("lk_")
    with sqlite3.connect(tmp_path / "crm.db") as db:  # the seed ran the analysis: the README's walk-through
        rows = db.execute(
            "SELECT name FROM customer WHERE lifecycle_stage = 'decline' AND segment_value"
        ).fetchall()
    assert [r[0] for r in rows] == ["广州宏达汽车租赁有限公司"]


def test_cli_keys_name_a_known_store_and_valid_scopes(tmp_path: Path) -> None:
    env = {"CRM_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}", "CRM_SECRET_KEY": ""}
    seeded = crm("seed", env=env)
    assert "demo stores added: 3" in seeded
    out = crm(
        "api-keys",
        "create",
        "--name",
        "pos",
        "--scopes",
        "transactions:write",
        "--store",
        "dealer-02",
        env=env,
    )
    assert "store=dealer-02" in out
    for args, message in [
        (["--scopes", "members:read", "--store", "ghost"], "no store ghost"),
        (["--scopes", "root"], "root"),
        (["--scopes", "admin", "--store", "a/b"], "store_id"),
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "api-keys", "create", "--name", "x", *args],
            env={**os.environ, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    assert "dealer-02" in crm("api-keys", "list", env=env)
