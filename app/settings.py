"""The only Settings class: everything configurable comes from `CRM_*` environment variables."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./crm.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # HMAC key for API-key hashes; on SQLite it is generated once beside the database if unset.
    secret_key: str | None = None
    pool_size: int = 16
    # Behind PgBouncer in transaction mode: no prepared statement may outlive its transaction,
    # so asyncpg's statement caches are off and each statement gets a unique name.
    pgbouncer: bool = False
    max_body_bytes: int = 1_048_576
    # Attempts of a use case that lost a serialization or deadlock race before answering 503.
    write_retries: int = 5

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def sqlite_path(database_url: str) -> Path | None:
    """The database file of a SQLite URL (None for in-memory or other backends)."""
    if not database_url.startswith("sqlite"):
        return None
    path = database_url.split("///", 1)[1] if "///" in database_url else ""
    return Path(path) if path and path != ":memory:" else None


def resolve_secret_key(settings: Settings) -> str:
    """CRM_SECRET_KEY, or on the embedded default a key generated once and kept beside the data."""
    if settings.secret_key:
        return settings.secret_key
    path = sqlite_path(settings.database_url)
    if path is None:
        raise RuntimeError("CRM_SECRET_KEY must be set when the database is not an embedded SQLite file")
    secret_file = path.with_name(path.name + ".secret")
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return secret_file.read_text().strip()
