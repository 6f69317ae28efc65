"""What an erasure did, as the API reports it (never the erased values)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class ErasurePublic(SQLModel):
    customer_id: str
    erased_at: datetime
    scrubbed: dict[str, int] = Field(
        description="Rows of each kind whose personal fields were cleared (empty when erased before)."
    )
    audit_events_redacted: int = Field(
        description="The member's audit events whose personal values were redacted."
    )
