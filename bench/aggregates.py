#!/usr/bin/env python3
"""What the striped liability aggregates cost a post: the product with and without them.

    .venv/bin/python bench/aggregates.py [--rounds 3] [--duration 15] [--connections 32]

Seeds the bench database once (bench/run.py's `prepare`: 100,000 members, stripes that agree
with their balances, thresholds well above the liability) and starts, side by side on one
database, A = `uvicorn app.main:app` (every movement writes its stripe) and B = `uvicorn
bench.no_aggregates:app` (the same product, `on_movement` replaced by a no-op), identically but
for the module. After a 3 s warm-up of each, every round runs, one after the other with the
same wrk script and settings: A and B posting for random members, then A and B posting for one
hot member, A first in odd rounds and B first in even ones (so a load that rises or falls
during the run does not favour one); only one is loaded at a time, and adjacent windows keep
each pair under the same background load. Each run checks that the stripes moved (A) or did not
(B). Prints every run, the medians, the overhead (of the medians and the median of the per-
round ratios), and writes bench/results/aggregates-<stamp>.json. Loopback only, every run
bounded in time (rounds × 4 × duration, plus ~15 s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time

from run import HERE, MEMBERS, PY, prepare, psql, run_wrk, start_server, stop

VARIANTS = {"with": "app.main:app", "without": "bench.no_aggregates:app"}
MODES = ("post", "post-hot")
PORTS = {"with": "http://127.0.0.1:18092", "without": "http://127.0.0.1:18093"}
QUIET = ("--no-access-log", "--log-level", "warning")
STRIPE_SUM = "SELECT coalesce(sum(total_points), 0) FROM liability_stripe"


def settled_stripes(dsn: str) -> str:
    """The stripes' sum once posts still in flight from the previous window have committed."""
    last = psql(dsn, "-tAc", STRIPE_SUM)
    while True:
        time.sleep(0.5)
        now = psql(dsn, "-tAc", STRIPE_SUM)
        if now == last:
            return now
        last = now


def start(variant: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """One variant, started exactly like the other (the only difference is the module)."""
    return start_server(
        [PY, "-m", "uvicorn", VARIANTS[variant], "--host", "127.0.0.1", "--port", str(port), *QUIET],
        {**env, "CRM_ACCESS_LOG": "false", "CRM_LOG_JSON": "true"},  # as `crm serve --no-access-log`
        f"http://127.0.0.1:{port}/healthz",
    )


def one_run(
    variant: str, mode: str, server: subprocess.Popen[bytes], env: dict[str, str], a: argparse.Namespace
) -> dict:
    """One bounded wrk run against one variant; checks that its stripes moved (with) or not (without)."""
    before = settled_stripes(env["BENCH_DSN"])
    wrk_env = {"MODE": mode, "KEY": env["BENCH_KEY"], "CUSTOMERS": str(MEMBERS), "HOT": "1"}
    r = run_wrk(PORTS[variant], wrk_env, a.connections, a.duration, server.pid, env["BENCH_PG_DATA"])
    moved = settled_stripes(env["BENCH_DSN"]) != before
    if moved != (variant == "with"):
        raise RuntimeError(f"{variant}: stripes moved = {moved}; the no-op patch is not what ran")
    r["server_us_per_post"] = round(r["cpu_cores"]["server"] / r["rps"] * 1e6)
    r["pg_us_per_post"] = round(r["cpu_cores"].get("postgres", 0) / r["rps"] * 1e6)
    print(
        f"{variant:7} {mode:8} {r['rps']:7.1f} posts/s  p50 {r['p50_ms']:7.2f} ms  "
        f"p99 {r['p99_ms']:8.2f} ms  server {r['server_us_per_post']} µs/post  "
        f"pg {r['pg_us_per_post']} µs/post  errors {r['errors']}",
        flush=True,
    )
    return r


def summary(runs: list[dict]) -> dict:
    """Medians per variant and mode, and the overhead of the aggregates (median and paired)."""
    res: dict = {}
    for mode in MODES:
        med = {
            v: {
                k: statistics.median(r[v][mode][k] for r in runs)
                for k in ("rps", "p50_ms", "p99_ms", "server_us_per_post", "pg_us_per_post")
            }
            for v in VARIANTS
        }
        w, wo = med["with"], med["without"]

        def paired(k: str, mode: str = mode) -> float:
            return statistics.median(r["with"][mode][k] / r["without"][mode][k] for r in runs)

        res[mode] = {
            "median": med,
            "throughput_cost_pct": round((1 - w["rps"] / wo["rps"]) * 100, 1),
            "paired_throughput_cost_pct": round((1 - paired("rps")) * 100, 1),
            "p50_cost_pct": round((w["p50_ms"] / wo["p50_ms"] - 1) * 100, 1),
            "p99_cost_pct": round((w["p99_ms"] / wo["p99_ms"] - 1) * 100, 1),
            "paired_p50_cost_pct": round((paired("p50_ms") - 1) * 100, 1),
            "server_cpu_cost_pct": round((w["server_us_per_post"] / wo["server_us_per_post"] - 1) * 100, 1),
            "pg_cpu_cost_pct": round((w["pg_us_per_post"] / wo["pg_us_per_post"] - 1) * 100, 1),
        }
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--connections", type=int, default=32)
    a = ap.parse_args()

    _dsn, pg_data, env, key = prepare()
    env["BENCH_DSN"] = env["CRM_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    env |= {"BENCH_KEY": key, "BENCH_PG_DATA": pg_data}
    servers = {v: start(v, int(PORTS[v].rsplit(":", 1)[1]), env) for v in VARIANTS}
    runs: list[dict] = []
    try:
        for v, server in servers.items():  # warm-up: connections, caches, statement preparation
            wrk_env = {"MODE": "post", "KEY": key, "CUSTOMERS": str(MEMBERS), "HOT": "1"}
            run_wrk(PORTS[v], wrk_env, a.connections, 3, server.pid, pg_data)
        for n in range(1, a.rounds + 1):
            print(f"round {n}/{a.rounds}", flush=True)
            runs.append({v: {} for v in VARIANTS})
            order = list(servers.items())[:: 1 if n % 2 else -1]  # ABBA: a load trend cancels out
            for mode in MODES:
                for v, server in order:
                    runs[-1][v][mode] = one_run(v, mode, server, env, a)
    finally:
        for server in servers.values():
            stop(server)
    res = {
        "runs": runs,
        "summary": summary(runs),
        "conditions": {
            "rounds": a.rounds,
            "duration_s": a.duration,
            "connections": a.connections,
            "members": MEMBERS,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    }
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"aggregates-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.json"
    path.write_text(json.dumps(res, indent=2))

    print("\n| posts to | run | posts/s with / without | p50 ms with / without | p99 ms with / without |")
    print("|---|---|---|---|---|")
    for mode in MODES:
        for i, r in enumerate(runs, 1):
            w, wo = r["with"][mode], r["without"][mode]
            print(
                f"| {mode} | {i} | {w['rps']:.0f} / {wo['rps']:.0f} | {w['p50_ms']:.1f} / {wo['p50_ms']:.1f} "
                f"| {w['p99_ms']:.1f} / {wo['p99_ms']:.1f} |"
            )
    for mode, s in res["summary"].items():
        w, wo = s["median"]["with"], s["median"]["without"]
        print(
            f"\n{mode}: median {w['rps']:.0f} vs {wo['rps']:.0f} posts/s "
            f"(cost {s['throughput_cost_pct']:+.1f} %, paired {s['paired_throughput_cost_pct']:+.1f} %), "
            f"p50 {w['p50_ms']:.1f} vs {wo['p50_ms']:.1f} ms "
            f"({s['p50_cost_pct']:+.1f} %, paired {s['paired_p50_cost_pct']:+.1f} %), "
            f"p99 {w['p99_ms']:.1f} vs {wo['p99_ms']:.1f} ms "
            f"({s['p99_cost_pct']:+.1f} %), server CPU {w['server_us_per_post']:.0f} vs "
            f"{wo['server_us_per_post']:.0f} µs/post ({s['server_cpu_cost_pct']:+.1f} %), "
            f"PostgreSQL CPU {w['pg_us_per_post']:.0f} vs {wo['pg_us_per_post']:.0f} µs/post "
            f"({s['pg_cpu_cost_pct']:+.1f} %)"
        )
    print(f"\nraw: {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
