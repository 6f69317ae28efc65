"""Per-request telemetry in one pure ASGI layer: a JSON log line, Prometheus counters and
latency, and the rate-limit headers the limiter left in the request state.

It wraps `send` once and does no I/O of its own, so it costs a few microseconds per request.
Routes are labelled by their template (`/v1/customers/{customer_id}`), never the raw path.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("app.access", logger_name="app.access")

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
REQUESTS = Counter(
    "crm_http_requests", "HTTP requests answered", ("method", "route", "status"), registry=REGISTRY
)
HOT_PATH = Counter(
    "crm_hot_path_requests",
    "Hot-path requests (`api/hot.py`): answered by the raw layer (`served`) or handed to the route",
    ("route", "outcome"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "crm_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ("method", "route"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


def route_template(scope: Scope) -> str:
    """The matched route's template with its router prefix; static mounts as `<mount>/{path}`.

    FastAPI keeps included routers nested and records the prefixed template in its own scope
    entry; a bare route's `path_format` is the fallback.
    """
    context: Any = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None) or getattr(scope.get("route"), "path_format", None)
    if template:
        return str(template)
    mount = scope.get("root_path", "")
    return f"{mount}/{{path}}" if mount else "unmatched"


class Observability:
    def __init__(self, app: ASGIApp, *, access_log: bool) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sender = StatusSend(send, scope.setdefault("state", {}))
        try:
            await self.app(scope, receive, sender)
        finally:
            record(scope, sender.status, started, access_log=self.access_log)


class StatusSend:
    """`send` that notes the response's status and adds `extra` and the rate-limit headers."""

    def __init__(
        self, send: Send, state: dict[str, Any], extra: tuple[tuple[bytes, bytes], ...] = ()
    ) -> None:
        self.send, self.state, self.extra = send, state, extra
        self.status = 500  # until a response starts

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            usage = self.state.get("rate_limit")
            if usage is not None or self.extra:
                message["headers"] = [
                    *message.get("headers", []),
                    *self.extra,
                    *(usage.headers(self.status) if usage is not None else ()),
                ]
        await self.send(message)


def record(scope: Scope, status: int, started: float, *, access_log: bool) -> None:
    """The request's metrics and, if on, its access-log line (`started`: `time.perf_counter()`)."""
    elapsed = time.perf_counter() - started
    state = scope["state"]
    route = route_template(scope)
    method = scope["method"]
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(elapsed)
    if access_log:
        log.info(
            "request",
            request_id=state.get("request_id"),
            key_id=state.get("key_id"),
            method=method,
            route=route,
            status=status,
            duration_ms=round(elapsed * 1000, 2),
        )
