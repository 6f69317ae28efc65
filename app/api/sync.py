"""The `updated_since` parameter of the lists a dealer system syncs from.

With it a list returns every row changed at or after the instant (members: deletions too),
oldest change first, ties broken by id, and `next_cursor` resumes after the last row, so a
row changed while the caller pages moves behind the cursor and is returned again, never
skipped. A write commits a moment after it stamps its time: start the next sync from the
newest `updated_at` seen minus a small overlap (README "Incremental sync") and de-duplicate
by id.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime, BeforeValidator

from app.models.types import storable_timestamp

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339(value: Any) -> Any:
    """Refuse what pydantic would also read as a time (Unix numbers, bare dates)."""
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 timestamp with an offset, e.g. 2026-11-22T10:00:00Z")
    return value


UpdatedSince = Annotated[
    Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(storable_timestamp)] | None,
    Query(
        description=(
            "Only rows changed at or after this instant (RFC 3339 with an offset; encode `+` as "
            "`%2B`), oldest change first; see the incremental-sync guide."
        ),
    ),
]
