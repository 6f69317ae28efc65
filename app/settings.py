"""The only Settings class: everything configurable comes from `CRM_*` environment variables."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from functools import lru_cache
from pathlib import Path

import phonenumbers
from pydantic import Field, PositiveInt, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./crm.db"
MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # HMAC key for API-key hashes; on SQLite it is generated once beside the database if unset.
    secret_key: str | None = None
    # Ed25519 private key of signed points statements: base64 of its 32 raw bytes. Unset: on
    # SQLite generated once beside the database; elsewhere derived from CRM_SECRET_KEY.
    statement_signing_key: str | None = None
    pool_size: int = 16
    # Seconds a request waits for a pooled connection before it is answered 503.
    pool_timeout: float = 10
    # Behind PgBouncer in transaction mode: no prepared statement may outlive its transaction,
    # so asyncpg's statement caches are off and each statement gets a unique name.
    pgbouncer: bool = False
    max_body_bytes: int = 1_048_576
    # Attempts of a use case that lost a serialization or deadlock race before answering 503.
    write_retries: int = 5
    # Background work (app/worker): also run inside `crm serve` unless turned off.
    worker_in_serve: bool = True
    worker_poll_seconds: float = 1.0
    # How often the worker re-checks the liability against the thresholds (a crossing whose
    # alert was lost with a crash is raised then).
    liability_check_seconds: float = 30.0
    # Idempotency-Key records older than this are purged; a key reused later is a new request.
    idempotency_retention_hours: int = 72
    # Fault injection for tests: the worker process exits abruptly after this many steps (a
    # settled member, a batch of campaign awards).
    worker_exit_after_items: int | None = None
    # Campaign execution: selections with more members to award than this go to a background
    # job; awards are committed this many members at a time.
    campaign_inline_limit: int = Field(default=500, ge=0)
    campaign_batch_size: PositiveInt = 50
    # Webhooks (docs/integrator.md): seconds a receiver has to answer; consecutive failed
    # deliveries after which an endpoint is disabled (and an alert raised); deliveries per pass.
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_disable_after: PositiveInt = 10
    webhook_batch: PositiveInt = 20

    # Operations (README "Operations").
    access_log: bool = True  # one log line per request
    log_json: bool = False  # JSON lines on stdout; `crm serve` turns it on
    metrics_token: str | None = None  # /metrics answers only `Authorization: Bearer <token>`; unset: off
    # After SIGTERM /readyz fails this long before the server stops.
    shutdown_drain_seconds: float = Field(default=5.0, ge=0)
    # Requests per key per window, by the scope a route requires ("*": any other); empty: no limits.
    rate_limits: dict[str, PositiveInt] = {}
    rate_limit_window: PositiveInt = 60
    redis_url: str | None = None  # shares rate-limit counters between instances
    redis_prefix: str = "crm"
    cors_origins: list[str] = []  # browser origins allowed to call the API; empty: none

    # Days an admin may undo a merge of duplicate members (docs/privacy.md).
    merge_undo_days: int = Field(default=30, ge=0, le=3650)

    # Region of phone numbers sent without a country code (ISO 3166 alpha-2).
    default_phone_region: str = "CN"
    # How far ahead of the server's clock a purchase's `occurred_at` may be (POS clocks drift).
    max_clock_skew_seconds: int = Field(default=86_400, ge=0, le=7 * 86_400)

    @field_validator("default_phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region phonenumbers knows (e.g. CN, US, DE)")
        return value.upper()

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
    """CRM_SECRET_KEY, or on the embedded default a key generated once and kept beside the data.

    A key shorter than 32 bytes is refused (ValueError): API-key hashes are only as strong as it.
    """
    if settings.secret_key:
        size = len(settings.secret_key.encode())
        if size < MIN_SECRET_BYTES:
            raise ValueError(
                f"CRM_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes (it has {size}); "
                "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
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


def resolve_statement_key(settings: Settings) -> bytes:
    """The 32 raw bytes of the statement signing key (see `statement_signing_key`)."""
    if settings.statement_signing_key:
        raw = base64.b64decode(settings.statement_signing_key, validate=True)
        if len(raw) != 32:
            raise ValueError("CRM_STATEMENT_SIGNING_KEY must be the base64 of 32 bytes")
        return raw
    path = sqlite_path(settings.database_url)
    if path is None:
        return hashlib.sha256(b"crm statement signing key\0" + resolve_secret_key(settings).encode()).digest()
    key_file = path.with_name(path.name + ".statement-key")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)).decode())
    return base64.b64decode(key_file.read_text().strip())
