"""Idempotency-Key: the same key and body replay the first response; another body is 422.

The key is claimed with an insert in the use case's own transaction, so the first
response and the record commit together. On PostgreSQL a concurrent request with the
same key waits on that insert until the first commits, then replays it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused, SecretNotReplayed
from app.repositories.integration import idempotency as repo


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool


def fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    payload = body.model_dump(mode="json", exclude_unset=True) if body is not None else None
    raw = orjson.dumps([method, path, payload], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(raw).hexdigest()


async def run_idempotent(
    session: AsyncSession,
    *,
    api_key_id: str,
    key: str | None,
    request_hash: str,
    status: int,
    create: Callable[[], Awaitable[BaseModel]],
    secret_fields: tuple[str, ...] = (),
) -> Outcome:
    """Run `create` once per key; a repeat with the same request gets the stored response.

    A response with `secret_fields` (a new API key) is stored without them, and a repeat
    is answered 409 naming what was created: a secret is never stored or shown twice.
    """
    if key is None:
        return Outcome(status, (await create()).model_dump(mode="json"), replayed=False)
    if not await repo.claim(session, api_key_id, key, request_hash):
        record = await repo.get(session, api_key_id, key)
        if record is None or record.status_code is None or record.body is None:
            raise IdempotencyKeyInUse(
                "a request with this Idempotency-Key is still in progress; retry shortly"
            )
        if record.request_hash != request_hash:
            raise IdempotencyKeyReused.at("Idempotency-Key", "was already used with a different request")
        stored = orjson.loads(record.body)
        if secret_fields:
            raise SecretNotReplayed(
                "this Idempotency-Key already created a resource whose secret is shown only once",
                extra={"existing_id": str(stored.get("id"))},
            )
        return Outcome(record.status_code, stored, replayed=True)
    body = (await create()).model_dump(mode="json")
    kept = {k: v for k, v in body.items() if k not in secret_fields}
    await repo.complete(session, api_key_id, key, status, orjson.dumps(kept).decode())
    return Outcome(status, body, replayed=False)


async def purge_idempotency_records(session: AsyncSession, now: datetime, retention: timedelta) -> int:
    """Drop records older than the retention: a key reused after that is a new request."""
    return await repo.purge_before(session, now - retention)
