"""The migrations build exactly the schema the models describe, on the test database."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import text

from app.models import metadata


async def test_models_and_migrations_agree(app: FastAPI) -> None:
    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, metadata))

    async def run(session) -> list[Any]:  # type: ignore[no-untyped-def]
        connection = await session.connection()
        return await connection.run_sync(diff)

    assert await app.state.db.run(run) == []


async def test_migrations_are_at_head(app: FastAPI) -> None:
    from alembic.script import ScriptDirectory

    from app.db.migrate import alembic_config

    async def current(session) -> str:  # type: ignore[no-untyped-def]
        return str((await session.execute(text("SELECT version_num FROM alembic_version"))).scalar())

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert await app.state.db.run(current) == head
