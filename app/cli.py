"""`crm`: serve, migrate, seed, manage API keys, import and export CSV, analyse members."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import create_engine, create_sessionmaker
from app.db.migrate import upgrade
from app.db.uow import Database
from app.domain.errors import DomainError
from app.models.base import utcnow
from app.models.integration.api_keys import ApiKeyCreate, Scope
from app.models.marketing.settings import AnalysisRun
from app.services import seed
from app.services.finance import expiry, pnl
from app.services.integration import api_keys, warehouse
from app.settings import get_settings, resolve_secret_key

T = TypeVar("T")


def _run(use_case: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = create_engine(get_settings())
        try:
            return await Database(create_sessionmaker(engine), retries=3).run(use_case)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def cmd_migrate(_args: argparse.Namespace) -> None:
    upgrade(get_settings().database_url)
    print("database is at the latest schema")


def cmd_serve(args: argparse.Namespace) -> None:
    from app.server import serve

    os.environ.setdefault("CRM_LOG_JSON", "true")  # read by each worker's settings
    if args.no_access_log:
        os.environ["CRM_ACCESS_LOG"] = "false"
    settings = get_settings()
    resolve_secret_key(settings)  # refuse to start with a short CRM_SECRET_KEY, before binding
    if settings.is_sqlite:
        upgrade(settings.database_url)
    serve(args.host, args.port, args.workers, settings.shutdown_drain_seconds)


def cmd_seed(_args: argparse.Namespace) -> None:
    settings = get_settings()
    upgrade(settings.database_url)
    secret = resolve_secret_key(settings)

    async def run(session: AsyncSession) -> tuple[bool, int, int, str | None]:
        now = utcnow()
        installed = await seed.seed_catalogue(session, now)
        stores = await seed.seed_stores(session, now)
        members = await seed.seed_demo(session, now)
        key = None
        if not (await api_keys.list_api_keys(session, api_keys.ROOT, limit=1)).items:
            created = await api_keys.create_api_key(
                session, secret, api_keys.ROOT, ApiKeyCreate(name="demo admin", scopes=[Scope.admin]), now
            )
            key = created.key
        return installed, stores, members, key

    installed, stores, members, key = _run(run)
    if members:
        _analyse(utcnow(), None, 500)
    print(
        f"catalogue: {'installed' if installed else 'already present'}; "
        f"demo stores added: {stores}; demo members added: {members}"
    )
    if key:
        print("demo admin API key (shown once; keep it):")
        print(key)


def cmd_worker(args: argparse.Namespace) -> None:
    """Run background jobs and periodic checks until SIGTERM or Ctrl-C (`--once`: drain and stop)."""
    import signal

    from app.worker.runner import Worker

    settings = get_settings()
    if settings.is_sqlite:
        upgrade(settings.database_url)

    async def main() -> None:
        engine = create_engine(settings)
        try:
            worker = Worker(Database(create_sessionmaker(engine), settings.write_retries), settings)
            if args.once:
                print(f"ran {await worker.run_until_idle()} jobs")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await worker.run(stop)
        finally:
            await engine.dispose()

    asyncio.run(main())


def cmd_verify(_args: argparse.Namespace) -> None:
    """Recompute balances, lifetime figures and liability stripes from the ledger; exit 1 on drift."""
    from app.services.finance.verify import verify

    report = _run(verify)
    for line in report.drift:
        print(line)
    print(f"checked {report.members} members: {len(report.drift) or 'no'} drift")
    if report.drift:
        raise SystemExit(1)


def cmd_openapi(args: argparse.Namespace) -> None:
    """Write the served contract to openapi/openapi.json (or check that it is current)."""
    from app.main import app, openapi_text

    served = openapi_text(app)
    path = Path(args.path)
    if args.check:
        if not path.exists() or path.read_text() != served:
            raise SystemExit(f"{path} differs from the served contract: run `crm openapi`")
        print(f"{path} is current")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(served)
    print(f"wrote {path}")


def _moment(text: str | None) -> datetime:
    """`--now` for the finance commands: an ISO 8601 instant (UTC if no offset), default now."""
    if not text:
        return utcnow()
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cmd_points_expire(args: argparse.Namespace) -> None:
    """Expire due lots in batches, each its own transaction: safe to kill and run again."""
    now = _moment(args.now)

    async def main() -> int:
        engine = create_engine(get_settings())
        database = Database(create_sessionmaker(engine), retries=3)
        total = 0
        try:
            while visited := await database.run(lambda s: expiry.expire_due_points(s, now, args.batch)):
                total += visited
        finally:
            await engine.dispose()
        return total

    print(f"expired the due points of {asyncio.run(main())} members as of {now.isoformat()}")


def cmd_alerts_run(args: argparse.Namespace) -> None:
    """Evaluate the time-based rules for the last complete day and month."""
    now = _moment(args.now)
    for finding, raised in _run(lambda s: pnl.run_time_rules(s, now)):
        state = "raised" if raised else "found (raised before)"
        print(
            f"pnl.margin_low {finding.period} {finding.scope}={finding.key or '-'} "
            f"net_margin={finding.net_margin} floor={finding.floor}: {state}"
        )
    print(f"time-based rules evaluated as of {now.isoformat()}")


def _analyse(now: datetime, progress: Callable[[int, int], None] | None, batch: int) -> AnalysisRun:
    from app.services.marketing import analysis

    async def main() -> AnalysisRun:
        engine = create_engine(get_settings())
        database = Database(create_sessionmaker(engine), retries=3)
        try:
            return await analysis.analyse(database.run, now, progress, batch)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def cmd_analyse(args: argparse.Namespace) -> None:
    """Recompute every member's stage, segments and RFM scores (docs/analysis.md), in batches."""
    from app.cli_csv import ProgressBar

    now = _moment(args.now)

    done = _analyse(now, ProgressBar("analyse"), args.batch)
    cutoff = f"{done.value_cutoff:.2f}" if done.value_cutoff is not None else "-"
    print(
        f"analysed {done.members} members as of {now.isoformat()}: {done.changed} changed; "
        f"{done.active_members} active, value customers from {cutoff} profit points; "
        f"{done.at_risk_alerts} customer.at_risk alerts raised"
    )


def cmd_import(args: argparse.Namespace) -> None:
    from app.cli_csv import import_file

    raise SystemExit(import_file(args.kind, Path(args.file), _run))


def cmd_export(args: argparse.Namespace) -> None:
    if args.kind == "warehouse":
        cmd_export_warehouse(args)
        return
    if args.since:
        raise SystemExit("crm export: --since applies to the warehouse export only")
    from app.cli_csv import export_file

    raise SystemExit(export_file(args.kind, Path(args.out), _run))


def cmd_keys_create(args: argparse.Namespace) -> None:
    """The operator is the root: any scopes and store, checked as the API checks them."""
    scopes = [Scope(s.strip()) for s in args.scopes.split(",") if s.strip()]
    body = ApiKeyCreate(name=args.name, scopes=scopes, store_id=args.store)
    secret = resolve_secret_key(get_settings())
    created = _run(lambda s: api_keys.create_api_key(s, secret, api_keys.ROOT, body, utcnow()))
    store = f" store={created.store_id}" if created.store_id else ""
    print(f"created {created.id} ({created.prefix}) scopes={','.join(created.scopes)}{store}")
    print(created.key)


def cmd_keys_list(_args: argparse.Namespace) -> None:
    for key in _run(lambda s: api_keys.list_api_keys(s, api_keys.ROOT, limit=100_000)).items:
        state = "revoked" if key.revoked_at else "active"
        print(f"{key.id}\t{key.prefix}\t{key.name}\t{','.join(key.scopes)}\t{key.store_id or '-'}\t{state}")


def cmd_keys_revoke(args: argparse.Namespace) -> None:
    key = _run(lambda s: api_keys.revoke_api_key(s, api_keys.ROOT, args.id, utcnow()))
    print(f"revoked {key.id}")


def cmd_export_warehouse(args: argparse.Namespace) -> None:
    """Parquet by month for the data warehouse; unchanged partitions are left untouched."""
    settings = get_settings()
    since = (
        datetime.fromisoformat(args.since + ("-01" if len(args.since) == 7 else "")) if args.since else None
    )

    async def main() -> list[warehouse.Partition]:
        engine = create_engine(settings)
        # One snapshot for every dataset on PostgreSQL; SQLite reads without taking its write lock.
        level = "AUTOCOMMIT" if settings.is_sqlite else "REPEATABLE READ"
        try:
            async with create_sessionmaker(engine)() as session:
                await session.connection(execution_options={"isolation_level": level})
                return await warehouse.export(session, Path(args.out), since and since.replace(tzinfo=UTC))
        finally:
            await engine.dispose()

    report = asyncio.run(main())
    for part in report:
        state = "written" if part.written else "unchanged"
        print(f"{part.dataset}/month={part.month}	{part.rows} rows	{state}")
    written = sum(p.written for p in report)
    print(f"{written} partition(s) written, {len(report) - written} unchanged")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="crm", description="Profit-aware loyalty and customer API")
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="apply migrations (SQLite) and start the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("seed", help="default catalogue, tiers and demo data").set_defaults(func=cmd_seed)
    worker = sub.add_parser(
        "worker", help="run background jobs (settlements), webhook deliveries and periodic checks"
    )
    worker.add_argument("--once", action="store_true", help="run the due jobs, then stop")
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("verify", help="recompute totals from the ledger; exit 1 on drift").set_defaults(
        func=cmd_verify
    )
    contract = sub.add_parser("openapi", help="write (or --check) openapi/openapi.json")
    contract.add_argument("--path", default="openapi/openapi.json")
    contract.add_argument("--check", action="store_true")
    contract.set_defaults(func=cmd_openapi)
    imp = sub.add_parser("import", help="import a CSV file, all rows or none (see docs/crm.md)")
    imp.add_argument("kind", choices=["customers", "transactions"])
    imp.add_argument("file")
    imp.set_defaults(func=cmd_import)
    exp = sub.add_parser(
        "export",
        help="customers|ledger: a CSV file Excel opens (docs/crm.md); "
        "warehouse: Parquet partitions by month (docs/warehouse.md)",
    )
    exp.add_argument("kind", choices=["customers", "ledger", "warehouse"])
    exp.add_argument("--out", required=True, help="the CSV file, or the warehouse directory")
    exp.add_argument("--since", help="warehouse only: YYYY-MM or YYYY-MM-DD, rebuild from that month on")
    exp.set_defaults(func=cmd_export)
    keys = sub.add_parser("api-keys", help="manage API keys").add_subparsers(dest="action", required=True)
    create = keys.add_parser("create", help="create a key; prints it as the last line")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scopes", required=True, help=f"comma-separated: {', '.join(s.value for s in Scope)}"
    )
    create.add_argument("--store", default=None, help="restrict the key to one store")
    create.set_defaults(func=cmd_keys_create)
    keys.add_parser("list", help="list keys").set_defaults(func=cmd_keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key")
    revoke.add_argument("id")
    revoke.set_defaults(func=cmd_keys_revoke)
    points = sub.add_parser("points", help="points jobs").add_subparsers(dest="action", required=True)
    expire = points.add_parser("expire", help="expire points past their date (idempotent, resumable)")
    expire.add_argument("--now", default=None, help="as of this ISO 8601 instant (default: now)")
    expire.add_argument("--batch", type=int, default=100, help="members per transaction")
    expire.set_defaults(func=cmd_points_expire)
    alerts = sub.add_parser("alerts", help="alert rules").add_subparsers(dest="action", required=True)
    run = alerts.add_parser("run", help="evaluate time-based rules (P&L margin) for the last day and month")
    run.add_argument("--now", default=None, help="as of this ISO 8601 instant (default: now)")
    run.set_defaults(func=cmd_alerts_run)
    analyse = sub.add_parser(
        "analyse", help="recompute members' lifecycle stage, segments and RFM scores (idempotent)"
    )
    analyse.add_argument("--now", default=None, help="as of this ISO 8601 instant (default: now)")
    analyse.add_argument("--batch", type=int, default=500, help="members per transaction")
    analyse.set_defaults(func=cmd_analyse)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"crm: {problems}", file=sys.stderr)
        return 2
    except (ValueError, DomainError) as exc:
        print(f"crm: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
