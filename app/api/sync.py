"""The `updated_since` parameter of the lists a dealer system syncs from.

With it a list returns every row changed at or after the instant (members: deletions too),
oldest change first, ties broken by id, and `next_cursor` resumes after the last row, so a
row changed while the caller pages moves behind the cursor and is returned again, never
skipped. A write commits a moment after it stamps its time: start the next sync from the
newest `updated_at` seen minus a small overlap (README "Incremental sync") and de-duplicate
by id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.models.types import TimestampIn

UpdatedSince = Annotated[
    TimestampIn | None,
    Query(
        description=(
            "Only rows changed at or after this instant (RFC 3339 with an offset; encode `+` as "
            "`%2B`), oldest change first; see the incremental-sync guide."
        ),
    ),
]
