"""Incremental-sync ordering shared by the lists that take `updated_since`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Select, and_, or_


@dataclass(frozen=True)
class ChangedSince:
    """Rows changed at or after `since`, oldest change first, resuming after `after` (time, id)."""

    since: datetime
    after: tuple[datetime, str] | None = None

    def apply(self, query: Select[Any], changed: Column[Any], row_id: Column[Any]) -> Select[Any]:
        query = query.where(changed >= self.since).order_by(changed.asc(), row_id.asc())
        if self.after is not None:
            at, last_id = self.after
            query = query.where(or_(changed > at, and_(changed == at, row_id > last_id)))
        return query
