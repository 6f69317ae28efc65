"""Logging for `crm serve`: the access log records method, path and status, never a credential.

uvicorn logs the path with its query string; a client that puts a key or token in the query
(or in the path) would leave it in every log file. The query string is dropped and anything
shaped like an API key is masked.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

_KEY_LIKE = re.compile(r"lk_[A-Za-z0-9_\-]+")


class RedactAccessLog(logging.Filter):
    """Rewrite uvicorn's access record `(client, method, path?query, http version, status)`."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path = _KEY_LIKE.sub("lk_…", args[2].split("?", 1)[0])
            record.args = (args[0], args[1], path, args[3], args[4])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's default logging with the access log redacted."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": RedactAccessLog}
    config["handlers"]["access"]["filters"] = ["redact"]
    return config
