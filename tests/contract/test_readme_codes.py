"""Every stable error `code` the API can answer is documented in README.md.

A new `DomainError` subclass (or a new code answered by `app.errors`) that is not in the
README's error-code table fails here, so a code cannot ship undocumented.
"""

from __future__ import annotations

from pathlib import Path

import app.main  # noqa: F401  (imports every area, so all DomainError subclasses are loaded)
from app.domain.errors import error_codes
from app.errors import HTTP_CODES

README = Path(__file__).resolve().parents[2] / "README.md"


def stable_codes() -> set[str]:
    return set({**error_codes(), **HTTP_CODES})


def test_every_error_code_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = sorted(code for code in stable_codes() if f"`{code}`" not in text)
    assert not missing, f"error codes not documented in README.md (in backticks): {missing}"


def test_the_set_is_not_trivially_empty() -> None:
    codes = stable_codes()
    assert {"validation_error", "not_found", "internal_error", "not_ready"} <= codes
