"""One page of rows fetched `limit + 1` at a time, and the cursor to the next."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar


class HasId(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=HasId)


def split(found: Sequence[R], limit: int) -> tuple[Sequence[R], str | None]:
    """The page and the position after it (None on the last page); encode it with `encode_cursor`."""
    page = found[:limit]
    return page, page[-1].id if len(found) > limit else None
