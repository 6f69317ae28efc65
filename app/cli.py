"""`crm`: serve, migrate, seed and manage API keys from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import create_engine, create_sessionmaker
from app.db.migrate import upgrade
from app.db.uow import Database
from app.models.base import utcnow
from app.models.integration.api_keys import ApiKeyCreate, Scope
from app.services import seed
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
    import uvicorn

    settings = get_settings()
    if settings.is_sqlite:
        upgrade(settings.database_url)
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=False,
        access_log=not args.no_access_log,
        log_level="info",
    )


def cmd_seed(_args: argparse.Namespace) -> None:
    settings = get_settings()
    upgrade(settings.database_url)
    secret = resolve_secret_key(settings)

    async def run(session: AsyncSession) -> tuple[bool, int, str | None]:
        now = utcnow()
        installed = await seed.seed_catalogue(session, now)
        members = await seed.seed_demo(session, now)
        key = None
        if not await api_keys.list_api_keys(session):
            created = await api_keys.create_api_key(
                session, secret, ApiKeyCreate(name="demo admin", scopes=[Scope.admin]), now
            )
            key = created.key
        return installed, members, key

    installed, members, key = _run(run)
    print(f"catalogue: {'installed' if installed else 'already present'}; demo members added: {members}")
    if key:
        print("demo admin API key (shown once; keep it):")
        print(key)


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


def cmd_keys_create(args: argparse.Namespace) -> None:
    scopes = [Scope(s.strip()) for s in args.scopes.split(",") if s.strip()]
    body = ApiKeyCreate(name=args.name, scopes=scopes, store_id=args.store)
    secret = resolve_secret_key(get_settings())
    created = _run(lambda s: api_keys.create_api_key(s, secret, body, utcnow()))
    print(f"created {created.id} ({created.prefix}) scopes={','.join(created.scopes)}")
    print(created.key)


def cmd_keys_list(_args: argparse.Namespace) -> None:
    for key in _run(api_keys.list_api_keys):
        state = "revoked" if key.revoked_at else "active"
        print(f"{key.id}\t{key.prefix}\t{key.name}\t{','.join(key.scopes)}\t{key.store_id or '-'}\t{state}")


def cmd_keys_revoke(args: argparse.Namespace) -> None:
    key = _run(lambda s: api_keys.revoke_api_key(s, args.id, utcnow()))
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
    contract = sub.add_parser("openapi", help="write (or --check) openapi/openapi.json")
    contract.add_argument("--path", default="openapi/openapi.json")
    contract.add_argument("--check", action="store_true")
    contract.set_defaults(func=cmd_openapi)
    export = sub.add_parser("export", help="export data").add_subparsers(dest="target", required=True)
    to_warehouse = export.add_parser(
        "warehouse", help="members, purchases, lines, ledger as Parquet by month"
    )
    to_warehouse.add_argument("--out", required=True, help="directory of the Parquet partitions")
    to_warehouse.add_argument("--since", help="YYYY-MM or YYYY-MM-DD: rebuild only from that month on")
    to_warehouse.set_defaults(func=cmd_export_warehouse)
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
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except ValueError as exc:
        print(f"crm: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
