"""Error logs never carry a credential or member data, whatever the failing frame held."""

from __future__ import annotations

import io
import logging

import structlog

from app.logs import LOG_CONFIG


def test_an_error_record_has_the_traceback_but_not_the_frames_locals() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(processors=LOG_CONFIG["formatters"]["json"]["processors"])
    )
    logger = logging.getLogger("test.log_privacy")
    logger.addHandler(handler)

    def failing(authorization: str, phone: str) -> None:
        raise RuntimeError("boom")

    try:
        failing("Bearer lk_secret_key_value", "+8613712345678")
    except RuntimeError:
        logger.exception("request failed")
    finally:
        logger.removeHandler(handler)
    record = stream.getvalue()
    assert "boom" in record and "failing" in record  # the traceback is there
    assert "lk_secret_key_value" not in record and "+8613712345678" not in record
