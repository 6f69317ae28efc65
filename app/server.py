"""`crm serve`: uvicorn with JSON logs and a drain window before a graceful stop.

On the first SIGTERM (or SIGINT) `/readyz` starts failing while requests are still served,
for `CRM_SHUTDOWN_DRAIN_SECONDS`, so the load balancer takes the instance out first; then
uvicorn stops accepting connections and finishes the requests in flight. A second signal
stops at once. With several workers uvicorn's supervisor relays the signal and each worker
shuts down gracefully, without the drain window.
"""

from __future__ import annotations

import threading
from types import FrameType
from typing import Any

import uvicorn

from app.api.health import DRAINING
from app.logs import LOG_CONFIG


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, drain_seconds: float) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if DRAINING.is_set() or self.drain_seconds <= 0:
            super().handle_exit(sig, frame)
            return
        DRAINING.set()
        timer = threading.Timer(self.drain_seconds, super().handle_exit, (sig, frame))
        timer.daemon = True
        timer.start()


def serve(host: str, port: int, workers: int, drain_seconds: float) -> None:
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "proxy_headers": False,
        "access_log": False,  # the app writes one JSON line per request instead
        "log_config": LOG_CONFIG,
        "timeout_graceful_shutdown": 30,
    }
    if workers > 1:
        uvicorn.run("app.main:app", **options)
        return
    DrainingServer(uvicorn.Config("app.main:app", **options), drain_seconds).run()
