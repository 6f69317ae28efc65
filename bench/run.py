#!/usr/bin/env python3
"""Benchmark the product's hot paths against this machine's limit, measured in the same run.

    .venv/bin/python bench/run.py [--duration 15] [--connections 32] [--workers 1]

1. Starts the throwaway PostgreSQL of ../shared/bench-limit (durable settings), builds the
   product's schema with the migrations in database `crm_bench`, seeds 100,000 members
   (bench/seed.sql) and an API key.
2. Runs `crm serve` and drives it with wrk (bench/wrk/product.lua): GET tier, POST purchase
   (random member), POST purchase (one hot member).
3. Runs the limit harness (bare ASGI + asyncpg, the same SQL work) under the same conditions
   with ../shared/bench-limit/load.py.
4. Measures post latency for a member with 10 vs 10,000 prior purchases (c=4).
Writes bench/results/<stamp>.json and prints a Markdown table of product / limit ratios.
Only loopback addresses are used; every load run is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
HISTORY = 10_000

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


def run_wrk(
    url: str, env: dict[str, str], connections: int, duration: int, server_pid: int, pg_data: str
) -> dict:
    """One bounded wrk run with the product's script, CPU split as the limit harness reports it."""
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
    sampler.start()
    proc = subprocess.run(
        cmd,
        env={**os.environ, **env, "RUN_ID": uuid.uuid4().hex[:10]},
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    cpu = sampler.stop("wrk")
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
    }


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
        "CRM_SECRET_KEY": "bench-secret-key-of-at-least-32-bytes",
        "CRM_POOL_SIZE": "16",
    }
    crm = str(Path(PY).with_name("crm"))
    print("migrating and seeding the product database …", flush=True)
    psql(bench_dsn, "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    sh(crm, "migrate", env=env)
    sh(
        PY,
        "-c",
        "from app.cli import _run; from app.services.seed import seed_catalogue, seed_stores; "
        "from app.models.base import utcnow; _run(lambda s: seed_catalogue(s, utcnow())); "
        "_run(lambda s: seed_stores(s, utcnow()))",
        env=env,
    )
    psql(bench_dsn, "-v", f"members={MEMBERS}", "-v", f"history={HISTORY}", "-f", str(HERE / "seed.sql"))
    seed_liability(bench_dsn)
    key = (
        sh(
            crm,
            "api-keys",
            "create",
            "--name",
            "bench",
            "--scopes",
            "members:read,transactions:write",
            env=env,
        )
        .strip()
        .splitlines()[-1]
    )
    return dsn, pg_data, env, key


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--skip-limit", action="store_true")
    a = ap.parse_args()

    dsn, pg_data, env, key = prepare()
    crm = str(Path(PY).with_name("crm"))

    results: dict[str, dict] = {"product": {}, "limit": {}, "history": {}}
    port = 18090
    server = start_server(
        [crm, "serve", "--port", str(port), "--workers", str(a.workers), "--no-access-log"],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for mode in ("tier", "post", "post-hot"):
            wrk_env = {"MODE": mode, "KEY": key, "CUSTOMERS": str(MEMBERS), "HOT": "1"}
            run_wrk(url, wrk_env, a.connections, 3, server.pid, pg_data)  # warm-up
            results["product"][mode] = r = run_wrk(
                url, wrk_env, a.connections, a.duration, server.pid, pg_data
            )
            print(
                f"product {mode:9} {r['rps']:8.1f} rps  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms"
                f"  errors {r['errors']}",
                flush=True,
            )
        for label, member in (
            ("10 prior purchases", MEMBERS + 2),
            (f"{HISTORY} prior purchases", MEMBERS + 1),
        ):
            wrk_env = {"MODE": "post-hot", "KEY": key, "HOT": str(member)}
            results["history"][label] = r = run_wrk(url, wrk_env, 4, min(a.duration, 10), server.pid, pg_data)
            print(
                f"history {label:22} p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  {r['rps']} rps",
                flush=True,
            )
    finally:
        stop(server)

    if not a.skip_limit:
        print("limit harness …", flush=True)
        psql(dsn, "-v", f"customers={MEMBERS}", "-f", str(LIMIT / "schema.sql"))
        lport = 18091
        limit = start_server(
            [
                PY,
                "-m",
                "uvicorn",
                "limit_app:app",
                "--app-dir",
                str(LIMIT),
                "--host",
                "127.0.0.1",
                "--port",
                str(lport),
                "--workers",
                str(a.workers),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            {"DATABASE_URL": dsn, "POOL_SIZE": "16"},
            f"http://127.0.0.1:{lport}/hello",
        )
        try:
            for mode in ("tier", "post", "post-hot"):
                out = sh(
                    PY,
                    str(LIMIT / "load.py"),
                    "--url",
                    f"http://127.0.0.1:{lport}",
                    "--mode",
                    mode,
                    "-c",
                    str(a.connections),
                    "-d",
                    str(a.duration),
                    "--server-pid",
                    str(limit.pid),
                )
                results["limit"][mode] = r = json.loads(out.strip().splitlines()[-1])
                line = f"limit   {mode:9} {r['rps']:8.1f} rps  p50 {r['p50_ms']:7.2f} ms"
                print(f"{line}  p99 {r['p99_ms']:7.2f} ms", flush=True)
        finally:
            stop(limit)

    results["conditions"] = {
        "duration_s": a.duration,
        "connections": a.connections,
        "workers": a.workers,
        "members": MEMBERS,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    (out_dir / f"{stamp}.json").write_text(json.dumps(results, indent=2))
    print("\n| path | product rps | limit rps | ratio | product p50 / p99 ms |\n|---|---|---|---|---|")
    for mode in ("tier", "post", "post-hot"):
        p, lim = results["product"][mode], results["limit"].get(mode)
        ratio = f"{p['rps'] / lim['rps']:.2f}" if lim else "-"
        limit_rps = lim["rps"] if lim else "-"
        print(f"| {mode} | {p['rps']:.0f} | {limit_rps} | {ratio} | {p['p50_ms']:.1f} / {p['p99_ms']:.1f} |")
    h = list(results["history"].values())
    print(
        f"\npost p50 with 10 vs {HISTORY} prior purchases: {h[0]['p50_ms']:.2f} vs {h[1]['p50_ms']:.2f} ms "
        f"({(h[1]['p50_ms'] / h[0]['p50_ms'] - 1) * 100:+.1f} %)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
