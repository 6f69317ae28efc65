"""Erasure on request: overwrite what identifies a person wherever it hangs off the member.

The audit log is append-only everywhere else; erasure is its one rewrite, and it only
replaces the member's personal values by `[erased]` (`domain.crm.erasure.redact`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.erasure import CONTACT_FIELDS, PLACEHOLDER, placeholder_vin, redact
from app.repositories import tables


async def scrub_crm(session: AsyncSession, customer_id: str) -> dict[str, int]:
    """Contacts, vehicles, readings, activities, tickets, maintenance notes, purchase line
    descriptions and ledger reasons of the member; returns how many rows of each were scrubbed."""
    counts: dict[str, int] = {}
    k, v, r = tables.contact, tables.vehicle, tables.mileage_reading
    a, t, mr = tables.activity, tables.ticket, tables.maintenance_record
    contact_values: dict[str, Any] = {"name": PLACEHOLDER, **dict.fromkeys(CONTACT_FIELDS)}
    counts["contacts"] = await _update(session, k, k.c.customer_id == customer_id, contact_values)
    vehicles = (await session.execute(select(v.c.id).where(v.c.customer_id == customer_id))).scalars().all()
    for vehicle_id in vehicles:
        values = {"vin": placeholder_vin(vehicle_id), "plate": None}
        await session.execute(update(v).where(v.c.id == vehicle_id).values(**values))
    counts["vehicles"] = len(vehicles)
    await _update(session, r, r.c.vehicle_id.in_(vehicles), {"note": None})
    activity_values = {"subject": PLACEHOLDER, "notes": None}
    counts["activities"] = await _update(session, a, a.c.customer_id == customer_id, activity_values)
    ticket_values = {"subject": PLACEHOLDER, "description": None, "resolution": None}
    counts["tickets"] = await _update(session, t, t.c.customer_id == customer_id, ticket_values)
    await _update(session, mr, mr.c.customer_id == customer_id, {"notes": None})
    pl, p, le = tables.purchase_line, tables.purchase, tables.ledger_entry
    theirs = select(p.c.id).where(p.c.customer_id == customer_id).scalar_subquery()
    counts["purchase_lines"] = await _update(
        session, pl, (pl.c.purchase_id.in_(theirs)) & pl.c.description.is_not(None), {"description": None}
    )
    # Reasons are free text (an adjustment's may name the person); figures and kinds stay.
    counts["ledger_reasons"] = await _update(
        session, le, (le.c.customer_id == customer_id) & le.c.reason.is_not(None), {"reason": PLACEHOLDER}
    )
    return counts


async def _update(session: AsyncSession, table: Any, where: Any, values: dict[str, Any]) -> int:
    result = await session.execute(update(table).where(where).values(**values))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def revoke_tokens(session: AsyncSession, customer_id: str, now: datetime) -> None:
    m = tables.member_token
    await session.execute(
        update(m).where(m.c.customer_id == customer_id, m.c.revoked_at.is_(None)).values(revoked_at=now)
    )


async def redact_audit(session: AsyncSession, customer_id: str) -> int:
    """Replace the member's personal values in its audit events; returns how many were rewritten."""
    e = tables.audit_event
    query = select(e.c.id, e.c.changes).where(e.c.object_type == "customer", e.c.object_id == customer_id)
    rewritten = 0
    for event_id, changes in (await session.execute(query)).all():
        redacted = redact(changes)
        if redacted != changes:
            await session.execute(update(e).where(e.c.id == event_id).values(changes=redacted))
            rewritten += 1
    return rewritten


async def forget_replies(session: AsyncSession, customer_id: str) -> None:
    """Drop stored Idempotency-Key replies that name the member (they may repeat its data)."""
    i = tables.idempotency_record
    await session.execute(delete(i).where(i.c.body.contains(customer_id, autoescape=True)))
