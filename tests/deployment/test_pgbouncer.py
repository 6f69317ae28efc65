"""The API behind a real PgBouncer in transaction mode (`CRM_PGBOUNCER=true`).

In transaction mode consecutive transactions of one client connection run on whichever
server connection is free, so asyncpg's named, cached prepared statements collide or vanish.
The test starts PgBouncer (Debian package `pgbouncer`) on a free loopback port with two
server connections in front of the test database, and races posts through it from more
client connections: with the setting every one succeeds; without it the same load fails.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from tests.conftest import SECRET
from tests.helpers import line, purchase

pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def pgbouncer_url(database_url: str) -> Iterator[str]:
    if not database_url.startswith("postgresql"):
        pytest.skip("PgBouncer fronts PostgreSQL (run the suite with CRM_TEST_DATABASE_URL=postgresql…)")
    binary = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(p)), None
    )
    if binary is None:
        pytest.skip("the pgbouncer binary is not installed (Debian: apt-get install pgbouncer)")
    db = urlsplit(database_url)
    name, user = db.path.lstrip("/"), db.username or "postgres"
    port = _free_port()
    workdir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    (workdir / "users.txt").write_text(f'"{user}" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        f"[databases]\n{name} = host={db.hostname or '127.0.0.1'} port={db.port or 5432} dbname={name}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {workdir}/users.txt\npool_mode = transaction\n"
        "default_pool_size = 2\nmax_client_conn = 100\nserver_reset_query =\n"
    )
    workdir.chmod(0o755)
    for path in workdir.iterdir():
        path.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    # PgBouncer refuses to run as root; CI runs as root, so it runs as the postgres user there.
    as_user = {"user": "postgres"} if os.geteuid() == 0 else {}
    proc = subprocess.Popen(
        [binary, str(workdir / "pgbouncer.ini")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **as_user,  # type: ignore[arg-type]
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                output = proc.stdout.read().decode() if proc.stdout else ""
                raise RuntimeError(f"pgbouncer did not start:\n{output}") from None
            time.sleep(0.1)
    yield database_url.replace(db.netloc, f"{user}@127.0.0.1:{port}")
    proc.terminate()
    proc.wait(timeout=10)
    if proc.stdout:
        proc.stdout.close()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
async def through_pgbouncer(pgbouncer_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=pgbouncer_url, secret_key=SECRET, pgbouncer=True, pool_size=4))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pgbouncer") as client:
            yield client


async def _race(client: httpx.AsyncClient, admin: dict[str, str], members: int = 6) -> list[int]:
    async def one(i: int) -> list[int]:
        created = await client.post("/v1/customers", json={"name": f"Pooled {i}"}, headers=admin)
        if created.status_code != 201:
            return [created.status_code]
        statuses = [created.status_code]
        for _ in range(2):
            body = purchase(created.json()["id"], line("maintenance", "1000.00", "0.35"))
            statuses.append((await client.post("/v1/transactions", json=body, headers=admin)).status_code)
            statuses.append(
                (await client.get(f"/v1/customers/{created.json()['id']}/tier", headers=admin)).status_code
            )
        return statuses

    results = await asyncio.gather(*(one(i) for i in range(members)), return_exceptions=True)
    return [s for r in results for s in (r if isinstance(r, list) else [599])]


async def test_posting_through_pgbouncer_in_transaction_mode_works_with_the_setting(
    app: FastAPI, admin: dict[str, str], through_pgbouncer: httpx.AsyncClient
) -> None:
    statuses = await _race(through_pgbouncer, admin)
    assert statuses and set(statuses) <= {200, 201}, statuses
    listed = (await through_pgbouncer.get("/v1/transactions", params={"limit": 500}, headers=admin)).json()
    assert len(listed["items"]) == 12


async def test_without_the_setting_the_statement_cache_breaks_behind_pgbouncer(
    app: FastAPI, admin: dict[str, str], pgbouncer_url: str
) -> None:
    plain = create_app(Settings(database_url=pgbouncer_url, secret_key=SECRET, pgbouncer=False, pool_size=4))
    async with plain.router.lifespan_context(plain):
        transport = httpx.ASGITransport(app=plain, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://pgbouncer") as client:
            statuses = await _race(client, admin)
    assert any(s >= 500 for s in statuses), statuses
