#!/usr/bin/env python3
"""Benchmark the product's hot paths against this machine's limit, measured in the same run.

    .venv/bin/python bench/run.py [--duration 15] [--pairs 3] [--connections 32] [--workers 1,2,4]
                                  [--skip-limit] [--skip-sqlite] [--skip-scale]

1. Starts the throwaway PostgreSQL of ../shared/bench-limit (durable settings), builds the
   product's schema with the migrations in database `crm_bench`, seeds 100,000 members
   (bench/seed.sql), runs the day's member analysis (`crm analyse`) and creates an API key;
   loads the limit harness's schema in its own database.
2. For each worker count: runs `crm serve --workers N` and, beside it, the limit harness
   (bare ASGI + asyncpg, the same SQL work) with the same worker count; drives the product
   with wrk (bench/wrk/product.lua): GET tier, GET points, POST quote, POST purchase (random
   member), POST purchase (one hot member), each tier/post/post-hot window followed at once
   by the same mode on the limit through ../shared/bench-limit/load.py, `--pairs` times
   alternating (each ratio the median of adjacent pairs, one server loaded at a time; with one
   worker the tier pairs also run the issue's framework probe); notes each worker's RSS.
3. With one worker: post latency for a member with 10 vs 10,000 prior purchases (c=4).
4. The embedded SQLite default (one worker): tier reads/s and posts/s on a file database
   seeded with the same 100,000 members.
5. Size: database `crm_bench_scale` with 1,000,000 members and 10,000,000 ledger entries
   (bench/seed.sql + bench/seed_scale.sql, plain SQL; seeded once and kept, `--reseed-scale`
   to seed again), and tier-read and post p99 against `crm_bench` (100,000 members), one
   worker, the two sizes alternating (`--scale-rounds`).
Writes bench/results/<stamp>.json and prints Markdown tables of product / limit ratios.
Only loopback addresses are used; every load run is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _limit_dir() -> Path:
    """The shared limit harness: BENCH_LIMIT_DIR, else ../shared/bench-limit beside the checkout
    (or one level further up, for a worktree under wt/)."""
    if os.environ.get("BENCH_LIMIT_DIR"):
        return Path(os.environ["BENCH_LIMIT_DIR"])
    near, far = (base / "shared" / "bench-limit" for base in (ROOT.parent, ROOT.parent.parent))
    return far if not near.is_dir() and far.is_dir() else near


LIMIT = _limit_dir()
PY = sys.executable
PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")
MEMBERS = 100_000
SCALE_MEMBERS = 1_000_000
SCALE_ENTRIES_PER_MEMBER = 10
HISTORY = 10_000
PRODUCT_MODES = ("tier", "points", "quote", "post", "post-hot")
LIMIT_MODES = ("tier", "post", "post-hot")
SECRET = "bench-secret-key-of-at-least-32-bytes"

sys.path.insert(0, str(LIMIT))
from load import CpuSampler, pg_postmaster_pid  # noqa: E402  (the shared measuring stick)

sys.path.insert(0, str(ROOT))
from app.domain.finance.liability import stripe_of  # noqa: E402  (the product's own stripe choice)


def sh(*cmd: str, env: dict[str, str] | None = None, quiet: bool = True) -> str:
    out = subprocess.run(cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    if not quiet:
        print(out.stdout, end="")
    return out.stdout


def psql(dsn: str, *args: str) -> str:
    return sh(f"{PGBIN}/psql", "-X", "-q", dsn, *args)


def wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(150):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def blocks(dsn: str | None) -> tuple[int, int]:
    """Shared-buffer misses and hits of the database so far (`pg_stat_database`)."""
    if not dsn:
        return 0, 0
    out = psql(
        dsn, "-tAc", "select blks_read, blks_hit from pg_stat_database where datname = current_database()"
    )
    read, hit = out.strip().split("|")
    return int(read), int(hit)


def run_wrk(
    url: str,
    env: dict[str, str],
    connections: int,
    duration: int,
    server_pid: int,
    pg_data: str,
    dsn: str | None = None,
) -> dict:
    """One bounded wrk run with the product's script, CPU split as the limit harness reports it;
    with `dsn`, also the blocks read from outside shared buffers (and found in them) per request."""
    cmd = [
        shutil.which("wrk") or "wrk",
        "-t",
        "1",
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / "wrk" / "product.lua"),
        url,
    ]
    sampler = CpuSampler({"server": server_pid, "postgres": pg_postmaster_pid(pg_data)})
    read0, hit0 = blocks(dsn)
    sampler.start()
    proc = subprocess.run(
        cmd,
        env={**os.environ, **env, "RUN_ID": uuid.uuid4().hex[:10]},
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    cpu = sampler.stop("wrk")
    time.sleep(1.2 if dsn else 0)  # backends report their buffer counts within a second
    read1, hit1 = blocks(dsn)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed:\n{proc.stdout}\n{proc.stderr}")
    w = json.loads(line[8:])
    secs = w["duration_us"] / 1e6
    return {
        "mode": env["MODE"],
        "connections": connections,
        "rps": round(w["requests"] / secs, 1),
        "p50_ms": w["p50_us"] / 1000,
        "p90_ms": w["p90_us"] / 1000,
        "p99_ms": w["p99_us"] / 1000,
        "errors": sum(w[k] for k in w if k.startswith("err_")),
        "cpu_cores": cpu,
        "blks_read_per_request": round((read1 - read0) / max(w["requests"], 1), 2),
        "blks_hit_per_request": round((hit1 - hit0) / max(w["requests"], 1), 2),
    }


def rss_mib(root: int) -> list[float]:
    """RSS of each worker of the server rooted at `root` (the process itself with one worker)."""
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    raw = f.read()
            except OSError:
                continue
            kids.setdefault(int(raw[raw.rindex(b")") + 2 :].split()[1]), []).append(int(name))

    def rss(pid: int) -> float:
        with open(f"/proc/{pid}/status") as f:
            line = next(ln for ln in f if ln.startswith("VmRSS:"))
        return round(int(line.split()[1]) / 1024, 1)

    # uvicorn's supervisor forks workers (and a resource tracker with multiprocessing): the
    # workers are the children that serve, i.e. the big ones
    children = [rss(pid) for pid in kids.get(root, [])]
    workers = sorted((r for r in children if r > 40), reverse=True)
    return workers or [rss(root)]


def wait_workers(root: int, workers: int, timeout: float = 120) -> None:
    """With several workers, until each has loaded the app (uvicorn answers from the first)."""
    if workers < 2:
        return
    deadline = time.monotonic() + timeout
    while len([r for r in rss_mib(root) if r > 120]) < workers and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)


def start_server(cmd: list[str], env: dict[str, str], health: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        cmd, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_up(health, proc)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=20)


def seed_liability(bench_dsn: str) -> None:
    """Make the striped liability totals agree with the seeded balances (the SQL seed cannot
    compute the stripe, a CRC-32 of the member id) and put the thresholds well above the
    liability, so the runs measure posting in the normal band: no alert, no forced settlement
    started by the worker halfway through a run."""
    stripes: dict[int, list[int]] = {}
    for line in psql(bench_dsn, "-tA", "-F", ",", "-c", "SELECT id, balance FROM customer").split():
        cid, balance = line.rsplit(",", 1)
        s = stripes.setdefault(stripe_of(cid), [0, 0, 0])
        cents = int(balance)
        s[0] += max(cents, 0)
        s[1] += cents
        s[2] += int(cents > 0)
    values = ", ".join(f"({k}, {p}, {t}, {m})" for k, (p, t, m) in sorted(stripes.items()))
    psql(
        bench_dsn,
        "-c",
        "TRUNCATE liability_stripe, liability_state; "
        "INSERT INTO liability_stripe (stripe, positive_points, total_points, positive_members) "
        f"VALUES {values}; "
        "UPDATE points_settings SET liability_target = l * 2, liability_warning = l * 3, "
        "liability_critical = l * 4 FROM (SELECT sum(positive_points) * "
        "(SELECT point_value FROM points_settings) / 10000 AS l FROM liability_stripe) x",
    )


def prepare() -> tuple[str, str, dict[str, str], str]:
    """Start the throwaway cluster, build and seed `crm_bench`, create an API key.

    Returns the limit harness's DSN, the cluster's data directory, the product's environment
    and the key.
    """
    dsn = sh(str(LIMIT / "start_pg.sh")).strip()  # postgresql://postgres@127.0.0.1:PORT/loyalty
    pg_data = os.environ.get("BENCH_PG_DIR", "/tmp/loyalty-bench-pg") + "/data"
    base_dsn = dsn.rsplit("/", 1)[0]
    if (
        psql(f"{base_dsn}/postgres", "-tAc", "select 1 from pg_database where datname='crm_bench'").strip()
        != "1"
    ):
        psql(f"{base_dsn}/postgres", "-c", "create database crm_bench")
    bench_dsn = f"{base_dsn}/crm_bench"
    url_db = bench_dsn.replace("postgresql://", "postgresql+asyncpg://")
    env = {
        "CRM_DATABASE_URL": url_db,
        "CRM_SECRET_KEY": SECRET,
        "CRM_POOL_SIZE": "16",
        "CRM_SHUTDOWN_DRAIN_SECONDS": "0",
    }
    print("migrating and seeding the product database …", flush=True)
    psql(bench_dsn, "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    migrate(env)
    psql(bench_dsn, "-v", f"members={MEMBERS}", "-v", f"history={HISTORY}", "-f", str(HERE / "seed.sql"))
    seed_liability(bench_dsn)
    analyse(env)
    return dsn, pg_data, env, make_key(env)


def migrate(env: dict[str, str]) -> None:
    """The product's schema by its migrations, with the default catalogue and demo stores."""
    sh(str(Path(PY).with_name("crm")), "migrate", env=env)
    sh(
        PY,
        "-c",
        "from app.cli import _run; from app.services.seed import seed_catalogue, seed_stores; "
        "from app.models.base import utcnow; _run(lambda s: seed_catalogue(s, utcnow())); "
        "_run(lambda s: seed_stores(s, utcnow()))",
        env=env,
    )


def analyse(env: dict[str, str]) -> None:
    """The day's member analysis done, as `crm serve`'s worker would have: otherwise the worker
    runs it (a bulk pass over every member) inside the server during the first windows."""
    started = time.monotonic()
    sh(str(Path(PY).with_name("crm")), "analyse", env=env)
    print(f"member analysis: {time.monotonic() - started:.0f} s", flush=True)


def make_key(env: dict[str, str]) -> str:
    crm = str(Path(PY).with_name("crm"))
    out = sh(
        crm, "api-keys", "create", "--name", "bench", "--scopes", "members:read,transactions:write", env=env
    )
    return out.strip().splitlines()[-1]


def product_runs(
    env: dict[str, str],
    key: str,
    workers: int,
    modes: tuple[str, ...],
    connections: int,
    duration: int,
    pg_data: str,
    members: int = MEMBERS,
    history: bool = False,
    limit: subprocess.Popen[bytes] | None = None,
    pairs: int = 1,
    probe: subprocess.Popen[bytes] | None = None,
) -> dict:
    """`crm serve --workers N` under each mode in turn, each window followed by the same mode on
    the `limit` harness (if given), `pairs` times alternating: this machine's CPU speed drifts
    by up to 2x within a minute, so the ratio is the median of the adjacent pairs' ratios and
    each side's figures are its median window; with `probe`, each tier pair also gets a probe
    window. RSS per worker after the runs."""
    crm = str(Path(PY).with_name("crm"))
    port = 18090
    server = start_server(
        [crm, "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    url = f"http://127.0.0.1:{port}"
    dsn = env["CRM_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    out: dict = {"modes": {}, "history": {}, "limit": {}, "ratios": {}}
    try:
        wait_workers(server.pid, workers)
        for mode in modes:
            wrk_env = {"MODE": mode, "KEY": key, "CUSTOMERS": str(members), "HOT": "1"}
            run_wrk(url, wrk_env, connections, 3, server.pid, pg_data)  # warm-up
            compared = limit is not None and mode in LIMIT_MODES
            mine, theirs, probed = [], [], []
            for k in range(pairs if compared else 1):
                mine.append(r := run_wrk(url, wrk_env, connections, duration, server.pid, pg_data, dsn))
                print(
                    f"product w={workers} {mode:9} {r['rps']:8.1f} rps  p50 {r['p50_ms']:7.2f} ms"
                    f"  p99 {r['p99_ms']:7.2f} ms  errors {r['errors']}",
                    flush=True,
                )
                if limit is not None and compared:
                    theirs.append(limit_window(limit, workers, mode, connections, duration, warm_up=k == 0))
                    if probe is not None and mode == "tier":
                        probed.append(probe_window(probe, connections, duration, pg_data, warm_up=k == 0))
            out["modes"][mode] = median_window(mine)
            if theirs:
                out["limit"][mode] = median_window(theirs)
                ratios = [a["rps"] / b["rps"] for a, b in zip(mine, theirs, strict=True)]
                out["ratios"][mode] = {"median": statistics.median(ratios), "pairs": ratios}
            if probed:
                ratios = [a["rps"] / b["rps"] for a, b in zip(probed, theirs, strict=True)]
                out["probe"] = {**median_window(probed), "median": statistics.median(ratios), "pairs": ratios}
        out["rss_mib"] = rss_mib(server.pid)
        print(f"product w={workers} RSS per worker (MiB): {out['rss_mib']}", flush=True)
        if history:
            for label, member in (
                ("10 prior purchases", MEMBERS + 2),
                (f"{HISTORY} prior purchases", MEMBERS + 1),
            ):
                wrk_env = {"MODE": "post-hot", "KEY": key, "HOT": str(member)}
                out["history"][label] = r = run_wrk(url, wrk_env, 4, min(duration, 10), server.pid, pg_data)
                print(
                    f"history {label:22} p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms"
                    f"  {r['rps']} rps",
                    flush=True,
                )
    finally:
        stop(server)
    return out


def uvicorn(app: str, app_dir: Path, port: int, workers: int) -> list[str]:
    """The command line both reference servers run with (uvloop, httptools, no access log)."""
    return [
        PY,
        "-m",
        "uvicorn",
        app,
        "--app-dir",
        str(app_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def start_limit(dsn: str, workers: int) -> subprocess.Popen[bytes]:
    """The limit harness with the same worker count, beside the product (idle while it runs)."""
    lport = 18091
    return start_server(
        uvicorn("limit_app:app", LIMIT, lport, workers),
        {"DATABASE_URL": dsn, "POOL_SIZE": "16"},
        f"http://127.0.0.1:{lport}/hello",
    )


PROBE_PORT = 18092


def start_probe(dsn: str) -> subprocess.Popen[bytes]:
    """The tier read of `../shared/bench-limit/framework/probe_app.py` as a Starlette route in a
    FastAPI app: the issue's reference for what FastAPI-hosted code reaches (one worker)."""
    return start_server(
        uvicorn("probe_app:app", LIMIT / "framework", PROBE_PORT, 1),
        {"DATABASE_URL": dsn, "MODE": "starlette"},
        f"http://127.0.0.1:{PROBE_PORT}/v1/customers/1/tier",
    )


def probe_window(
    probe: subprocess.Popen[bytes], connections: int, duration: int, pg_data: str, warm_up: bool
) -> dict:
    """One tier window on the probe, on the limit's table."""
    url, wrk_env = f"http://127.0.0.1:{PROBE_PORT}", {"MODE": "probe", "KEY": "k1", "CUSTOMERS": str(MEMBERS)}
    if warm_up:
        run_wrk(url, wrk_env, connections, 3, probe.pid, pg_data)
    r = run_wrk(url, wrk_env, connections, duration, probe.pid, pg_data)
    print(f"probe   w=1 tier      {r['rps']:8.1f} rps  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms")
    return r


def median_window(windows: list[dict]) -> dict:
    """The window with the median throughput (the lower middle of an even count), whole."""
    return sorted(windows, key=lambda w: w["rps"])[(len(windows) - 1) // 2]


def limit_window(
    limit: subprocess.Popen[bytes],
    workers: int,
    mode: str,
    connections: int,
    duration: int,
    warm_up: bool = True,
) -> dict:
    """One load.py window on the limit harness (after a 3 s warm-up when `warm_up`, as the
    product gets)."""
    runs = []
    for seconds in (3, duration) if warm_up else (duration,):
        out = sh(
            PY,
            str(LIMIT / "load.py"),
            "--url",
            "http://127.0.0.1:18091",
            "--mode",
            mode,
            "-c",
            str(connections),
            "-d",
            str(seconds),
            "--server-pid",
            str(limit.pid),
        )
        runs.append(json.loads(out.strip().splitlines()[-1]))
    r: dict = runs[-1]
    line = f"limit   w={workers} {mode:9} {r['rps']:8.1f} rps  p50 {r['p50_ms']:7.2f} ms"
    print(f"{line}  p99 {r['p99_ms']:7.2f} ms", flush=True)
    return r


SQLITE_MEMBERS = """
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {members})
INSERT INTO customer (id, name, kind, phase, status, relationship, tags, tier, balance, lifetime_points,
                      lifetime_profit_points, lifetime_consumption_points, purchase_count, ledger_seq,
                      created_at, updated_at)
SELECT printf('cus_B%021d', n), 'Bench ' || n, 'person', 'maintenance', 'active', 'customer', '[]',
       'standard', p, p, 0, 0, 0, 0, '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000'
FROM (SELECT n, abs(random()) % 6000000 AS p FROM s);
UPDATE customer SET tier = CASE WHEN lifetime_points >= 5000000 THEN 'platinum'
    WHEN lifetime_points >= 2000000 THEN 'gold' WHEN lifetime_points >= 500000 THEN 'silver'
    ELSE 'standard' END;
UPDATE points_settings SET liability_warning = 10000000000000, liability_critical = 20000000000000,
    liability_target = 5000000000000;
"""


def sqlite_runs(connections: int, duration: int) -> dict:
    """The embedded default: a SQLite file, one worker, the same members, tier reads and posts."""
    import sqlite3

    path = Path(os.environ.get("BENCH_SQLITE", "/tmp/crm-bench.sqlite"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    env = {
        "CRM_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "CRM_SECRET_KEY": SECRET,
        "CRM_SHUTDOWN_DRAIN_SECONDS": "0",
    }
    crm = str(Path(PY).with_name("crm"))
    print("SQLite: migrating and seeding …", flush=True)
    migrate(env)
    with sqlite3.connect(path) as db:
        db.executescript(SQLITE_MEMBERS.format(members=MEMBERS))
    key = make_key(env)
    port = 18092
    server = start_server(
        [crm, "serve", "--port", str(port), "--workers", "1", "--no-access-log"],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    out: dict = {}
    try:
        for mode in ("tier", "post"):
            wrk_env = {"MODE": mode, "KEY": key, "CUSTOMERS": str(MEMBERS), "HOT": "1"}
            run_wrk(f"http://127.0.0.1:{port}", wrk_env, connections, 3, server.pid, "")
            out[mode] = r = run_wrk(
                f"http://127.0.0.1:{port}", wrk_env, connections, duration, server.pid, ""
            )
            print(
                f"sqlite  w=1 {mode:9} {r['rps']:8.1f} rps  p50 {r['p50_ms']:7.2f} ms"
                f"  p99 {r['p99_ms']:7.2f} ms  errors {r['errors']}",
                flush=True,
            )
        out["rss_mib"] = rss_mib(server.pid)
    finally:
        stop(server)
    return out


def scale_database(base_dsn: str, env: dict[str, str], reseed: bool) -> dict[str, str]:
    """`crm_bench_scale`: 1,000,000 members and 10,000,000 ledger entries, seeded with SQL (not
    through the API), kept between runs (about 8 minutes to seed here) unless `reseed`."""
    dsn = f"{base_dsn}/crm_bench_scale"
    scale_env = {**env, "CRM_DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://")}
    exists = psql(f"{base_dsn}/postgres", "-tAc", "select 1 from pg_database where datname='crm_bench_scale'")
    if exists.strip() == "1" and not reseed:
        members = int(psql(dsn, "-tAc", "select count(*) from customer").strip() or 0)
        entries = int(psql(dsn, "-tAc", "select count(*) from ledger_entry").strip() or 0)
        if members >= SCALE_MEMBERS and entries >= SCALE_MEMBERS * SCALE_ENTRIES_PER_MEMBER:
            print(
                f"size check: reusing crm_bench_scale ({members:,} members, {entries:,} entries)", flush=True
            )
            analyse(scale_env)
            return scale_env
    if exists.strip() != "1":
        psql(f"{base_dsn}/postgres", "-c", "create database crm_bench_scale")
    entries = SCALE_MEMBERS * SCALE_ENTRIES_PER_MEMBER
    print(f"seeding {SCALE_MEMBERS:,} members and {entries:,} entries …", flush=True)
    started = time.monotonic()
    psql(dsn, "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    migrate(scale_env)
    psql(dsn, "-v", f"members={SCALE_MEMBERS}", "-v", f"history={HISTORY}", "-f", str(HERE / "seed.sql"))
    psql(
        dsn,
        "-v",
        f"members={SCALE_MEMBERS}",
        "-v",
        f"entries={SCALE_ENTRIES_PER_MEMBER}",
        "-f",
        str(HERE / "seed_scale.sql"),
    )
    seed_liability(dsn)
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)
    analyse(scale_env)
    return scale_env


def scale_runs(
    env: dict[str, str], scale_env: dict[str, str], connections: int, duration: int, pg_data: str, rounds: int
) -> dict:
    """Tier reads and posts on 100,000 vs 1,000,000 members, alternating (small first in odd
    rounds), one worker each, so both sizes see the same machine; p99 compared by median."""
    found: dict = {"small": [], "large": []}
    keys = {"small": make_key(env), "large": make_key(scale_env)}
    for i in range(rounds):
        order = ("small", "large") if i % 2 == 0 else ("large", "small")
        for size in order:
            run = product_runs(
                env if size == "small" else scale_env,
                keys[size],
                1,
                ("tier", "post"),
                connections,
                duration,
                pg_data,
                MEMBERS if size == "small" else SCALE_MEMBERS,
            )
            found[size].append(run["modes"])
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    ap.add_argument("--modes", default=",".join(PRODUCT_MODES))
    ap.add_argument("--skip-limit", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--reseed-scale", action="store_true", help="seed crm_bench_scale again")
    ap.add_argument("--scale-rounds", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=3, help="alternating product/limit windows per mode")
    a = ap.parse_args()
    worker_counts = [int(w) for w in a.workers.split(",")]
    modes = tuple(m for m in a.modes.split(",") if m)

    dsn, pg_data, env, key = prepare()
    if not a.skip_limit:
        psql(dsn, "-v", f"customers={MEMBERS}", "-f", str(LIMIT / "schema.sql"))
    results: dict = {"runs": {}, "conditions": {}}
    for workers in worker_counts:
        limit = None if a.skip_limit else start_limit(dsn, workers)
        probe = start_probe(dsn) if limit is not None and workers == 1 and "tier" in modes else None
        try:
            results["runs"][str(workers)] = product_runs(
                env,
                key,
                workers,
                modes,
                a.connections,
                a.duration,
                pg_data,
                history=workers == worker_counts[0],
                limit=limit,
                pairs=a.pairs,
                probe=probe,
            )
        finally:
            for server in (limit, probe):
                if server is not None:
                    stop(server)
    if not a.skip_sqlite:
        results["sqlite"] = sqlite_runs(a.connections, a.duration)
    if not a.skip_scale:
        scale_env = scale_database(dsn.rsplit("/", 1)[0], env, a.reseed_scale)
        results["scale"] = scale_runs(env, scale_env, a.connections, a.duration, pg_data, a.scale_rounds)

    results["conditions"] = {
        "duration_s": a.duration,
        "connections": a.connections,
        "workers": worker_counts,
        "members": MEMBERS,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": " ".join(sys.argv),
    }
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    (out_dir / f"{stamp}.json").write_text(json.dumps(results, indent=2))
    print(f"\nraw: bench/results/{stamp}.json")
    report(results)
    return 0


def _cpu_per_request(r: dict, part: str = "server") -> float:
    """The CPU per request in µs of the server (or of PostgreSQL): its cores over the requests per second."""
    return float(r["cpu_cores"].get(part, 0)) / max(float(r["rps"]), 1e-9) * 1e6


def report(results: dict) -> None:
    """The Markdown tables of bench/RESULTS.md."""
    print(
        "\n| path | workers | product rps | limit rps | product / limit (each pair) "
        "| product p50 / p99 ms | errors "
        "| server CPU µs per request, product vs limit | PostgreSQL CPU µs per request, product vs limit "
        "| foreign CPU, cores |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for workers, run in results["runs"].items():
        for mode, p in run["modes"].items():
            lim = run.get("limit", {}).get(mode)
            found = run.get("ratios", {}).get(mode)
            ratio = "-"
            if lim:
                ratio = f"**{found['median'] if found else p['rps'] / lim['rps']:.2f}**"
                if found and len(found["pairs"]) > 1:
                    ratio += f" ({', '.join(f'{x:.2f}' for x in found['pairs'])})"
            limit_rps = f"{lim['rps']:,.0f}" if lim else "-"
            cpu = f"{_cpu_per_request(p):,.0f}" + (f" vs {_cpu_per_request(lim):,.0f}" if lim else "")
            pg = f"{_cpu_per_request(p, 'postgres'):,.0f}" + (
                f" vs {_cpu_per_request(lim, 'postgres'):,.0f}" if lim else ""
            )
            other = f"{p['cpu_cores'].get('other', 0):.2f}" + (
                f" / {lim['cpu_cores'].get('other', 0):.2f}" if lim else ""
            )
            print(
                f"| {mode} | {workers} | {p['rps']:,.0f} | {limit_rps} | {ratio} | "
                f"{p['p50_ms']:.1f} / {p['p99_ms']:.1f} | {p['errors']} | {cpu} | {pg} | {other} |"
            )
    probe = results["runs"].get("1", {}).get("probe")
    if probe:
        print(
            f"\nReference (the issue's framework probe: its tier read as a Starlette route in a FastAPI "
            f"app, one worker, each window right after the limit's): {probe['rps']:,.0f} reads/s, "
            f"**{probe['median']:.2f}×** the limit ({', '.join(f'{x:.2f}' for x in probe['pairs'])}), "
            f"{_cpu_per_request(probe):,.0f} µs of server CPU per read"
        )
    for workers, run in results["runs"].items():
        print(f"\nRSS per worker after the run, {workers} worker(s): {run['rss_mib']} MiB")
    first = next(iter(results["runs"].values()))
    h = list(first["history"].values())
    if len(h) == 2:
        print(
            f"\npost p50 with 10 vs {HISTORY} prior purchases: "
            f"{h[0]['p50_ms']:.2f} vs {h[1]['p50_ms']:.2f} ms "
            f"({(h[1]['p50_ms'] / h[0]['p50_ms'] - 1) * 100:+.1f} %)"
        )
    if "sqlite" in results:
        s = results["sqlite"]
        tier, post = s["tier"], s["post"]
        print(
            f"\nSQLite (one worker): tier {tier['rps']:,.0f} reads/s (p99 {tier['p99_ms']:.1f} ms), "
            f"post {post['rps']:,.0f} posts/s (p99 {post['p99_ms']:.1f} ms), RSS {s['rss_mib']} MiB"
        )
    if "scale" in results:
        print(
            "\n| path | p99 ms, 100,000 members | p99 ms, 1,000,000 members / 10,000,000 entries "
            "| change (medians) | rps, 100,000 vs 1,000,000 "
            "| blocks read outside shared buffers per request |"
        )
        print("|---|---|---|---|---|---|")
        small, large = results["scale"]["small"], results["scale"]["large"]
        for mode in ("tier", "post"):
            a = [r[mode]["p99_ms"] for r in small]
            b = [r[mode]["p99_ms"] for r in large]
            ra = statistics.median(r[mode]["rps"] for r in small)
            rb = statistics.median(r[mode]["rps"] for r in large)
            change = (statistics.median(b) / statistics.median(a) - 1) * 100
            reads = [
                statistics.median(r[mode].get("blks_read_per_request", 0) for r in rs)
                for rs in (small, large)
            ]
            print(
                f"| {mode} | {' / '.join(f'{x:.1f}' for x in a)} | {' / '.join(f'{x:.1f}' for x in b)} | "
                f"{change:+.1f} % | {ra:,.0f} vs {rb:,.0f} | {reads[0]:.2f} vs {reads[1]:.2f} |"
            )


if __name__ == "__main__":
    sys.exit(main())
