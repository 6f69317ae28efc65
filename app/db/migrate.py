"""Apply the Alembic migrations programmatically (`crm migrate`, `crm serve`, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

import migrations


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision`; runs its own event loop, so call it off the app's loop."""
    command.upgrade(alembic_config(database_url), revision)


def head_revisions(database_url: str) -> set[str]:
    """The revisions a current database is at (read from the migration scripts)."""
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
