"""Logging setup: JSON lines on stdout under `crm serve`, the host's logging elsewhere.

Under `crm serve` (`CRM_LOG_JSON`) structlog renders our events straight to stdout with
orjson, a few microseconds each, and `LOG_CONFIG` makes uvicorn's own records JSON too.
Embedded anywhere else (tests, another server) our events go to the standard library and
its configuration decides.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
import structlog

#: Tracebacks as structured data, without the frames' local variables: those hold request
#: headers (an API key) and member data, which must never reach a log.
_TRACEBACKS = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False, use_rich=False)
)
_STAMPED: list[Any] = [
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
]


def configure_logging(*, json_lines: bool) -> None:
    """Process-wide; each app instance calls it at startup (every worker is a process)."""
    if json_lines:
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                *_STAMPED,
                _TRACEBACKS,
                structlog.processors.JSONRenderer(serializer=orjson.dumps),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
            logger_factory=structlog.BytesLoggerFactory(sys.stdout.buffer),
            cache_logger_on_first_use=True,
        )
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.render_to_log_kwargs,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.add_logger_name,
                *_STAMPED,
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _TRACEBACKS,
                structlog.processors.JSONRenderer(),
            ],
        }
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "uvicorn": {"level": "INFO"},
        "uvicorn.access": {"level": "WARNING"},  # our request log replaces it
    },
}
