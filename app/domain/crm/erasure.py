"""Erasure on request (PIPL art. 47): what of a member is personal, and what replaces it.

Personal fields are cleared (or replaced by a placeholder where a value is required);
figures the finance side needs (ledger, purchases, totals, tier, store, sales rep, province
and city) stay, so every report stays exact and nothing left points to a person.
"""

from __future__ import annotations

from typing import Any

PLACEHOLDER = "(erased)"
REDACTED = "[erased]"

#: The member's own fields that identify a person: cleared (the name: replaced).
MEMBER_FIELDS = ("phone", "email", "external_ref", "birthday", "gender", "address", "notes")
#: A contact's personal fields (its name: replaced).
CONTACT_FIELDS = ("title", "phone", "email", "birthday", "notes")
#: Fields whose values the audit log keeps only as `[erased]` once the member is erased.
AUDITED_PERSONAL = frozenset({"name", "tags", *MEMBER_FIELDS})


def placeholder_vin(vehicle_id: str) -> str:
    """A unique 17-character stand-in for an erased VIN."""
    return ("ERASED" + vehicle_id[-11:]).upper()[:17]


def redact(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An audit event's changes with every personal value replaced by `[erased]`."""
    return [
        {
            **c,
            "old": REDACTED if c.get("old") is not None else None,
            "new": REDACTED if c.get("new") is not None else None,
        }
        if c.get("field") in AUDITED_PERSONAL
        else c
        for c in changes
    ]
