"""Rate limits per API key and scope, counted in fixed windows.

Each route requires one scope; `CRM_RATE_LIMITS` gives requests per window for a scope
(`"*"`: the default for each unlisted scope), counted per key and scope. Counters live in
the process, or in Redis when `CRM_REDIS_URL` is set so every instance draws on one
allowance. If Redis cannot be reached the request goes through (logged): a limiter outage
must not become an API outage.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from fastapi import Request
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app import errors
from app.domain.errors import RateLimited
from app.settings import Settings

log = structlog.get_logger("app.ratelimit", logger_name="app.ratelimit")


@dataclass(frozen=True)
class Usage:
    """Where a key stands in its window, for the IETF `RateLimit` headers."""

    policy: str
    limit: int
    window: int
    remaining: int
    reset: int
    exceeded: bool

    def headers(self, status: int) -> list[tuple[bytes, bytes]]:
        name = f'"{self.policy}"'
        found = [
            (b"ratelimit-policy", f"{name};q={self.limit};w={self.window}".encode()),
            (b"ratelimit", f"{name};r={self.remaining};t={self.reset}".encode()),
        ]
        if status == 429:
            found.append((b"retry-after", str(self.reset).encode()))
        return found


class Counter(Protocol):
    async def hit(self, key: str, window: int) -> tuple[int, float]:
        """Count one request for `key`; return the window's count and seconds until it ends."""
        ...

    async def close(self) -> None: ...


class MemoryCounter:
    """One process's counters: the current window per key (older ones are replaced)."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, window: int) -> tuple[int, float]:
        now = time.time()
        index = int(now // window)
        start, count = self._windows.get(key, (index, 0))
        count = count + 1 if start == index else 1
        self._windows[key] = (index, count)
        return count, (index + 1) * window - now

    async def close(self) -> None:
        self._windows.clear()


class RedisCounter:
    """Counters shared by every instance: INCR on a key per window, expiring with it."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis: Redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = prefix

    async def hit(self, key: str, window: int) -> tuple[int, float]:
        now = time.time()
        index = int(now // window)
        name = f"{self._prefix}:ratelimit:{key}:{index}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window + 1)
            count, _ = await pipe.execute()
        return int(count), (index + 1) * window - now

    async def close(self) -> None:
        await self._redis.aclose()


class RateLimiter:
    def __init__(self, limits: dict[str, int], window: int, counter: Counter) -> None:
        self.limits = limits
        self.window = window
        self.counter = counter

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        counter: Counter = (
            RedisCounter(settings.redis_url, settings.redis_prefix) if settings.redis_url else MemoryCounter()
        )
        return cls(settings.rate_limits, settings.rate_limit_window, counter)

    async def hit(self, key_id: str, scope: str) -> Usage | None:
        """Count a request of `key_id` under `scope`'s policy; None when no limit applies."""
        limit = self.limits.get(scope, self.limits.get("*"))
        if limit is None:
            return None
        try:
            count, left = await self.counter.hit(f"{key_id}:{scope}", self.window)
        except (RedisError, OSError) as exc:
            log.warning("rate limiter unavailable; request let through", error=str(exc))
            return None
        return Usage(scope, limit, self.window, max(0, limit - count), max(1, math.ceil(left)), count > limit)


async def enforce(request: Request, key_id: str, scope: str) -> None:
    """Count the request; 429 once the key has used its allowance for this window."""
    limiter: RateLimiter | None = getattr(request.app.state, "limiter", None)
    usage = await limiter.hit(key_id, scope) if limiter else None
    if usage is None:
        return
    request.state.rate_limit = usage
    if usage.exceeded:
        raise RateLimited(f"this API key may make {usage.limit} {usage.policy} requests per {usage.window} s")


_HEADERS = {
    "RateLimit-Policy": {
        "description": 'The quota of this key for the route\'s scope (IETF draft): `"<scope>";q=<n>;w=<s>`.',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'What is left in the window (IETF draft): `"<scope>";r=<left>;t=<seconds to reset>`.',
        "schema": {"type": "string"},
    },
}


def document(schema: dict[str, Any]) -> None:
    """Declare the limit headers on every response of the authenticated (/v1) operations, and 429."""
    too_many = errors.problems(429)[429]
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("429", dict(too_many))
            responses["429"] = {
                **responses["429"],
                "headers": {
                    **_HEADERS,
                    "Retry-After": {
                        "description": "Seconds until the window resets.",
                        "schema": {"type": "integer"},
                    },
                },
            }
            for status, response in responses.items():
                if status != "429":
                    response["headers"] = {**response.get("headers", {}), **_HEADERS}
