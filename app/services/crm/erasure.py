"""Erasure on request (PIPL 个人信息保护法 art. 47; docs/privacy.md).

The member's personal fields are cleared or replaced (`domain.crm.erasure`), and so are its
contacts', its vehicles' VIN and plate, and the free text of its activities, tickets and
maintenance records; its consents are withdrawn, its member tokens revoked, the stored
Idempotency-Key replies naming it dropped, and its audit events keep every field name but
no personal value. The ledger, purchases and totals stay, so finance figures stay exact.
The member is left soft-deleted with `erased_at` set: it cannot be restored or merged, and
erasing it again changes nothing. Irreversible by design.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.erasure import MEMBER_FIELDS, PLACEHOLDER
from app.models.crm.erasure import ErasurePublic
from app.repositories.crm import erasure as repo
from app.repositories.loyalty import customers as customers_repo
from app.services import audit
from app.services.crm.consents import withdraw_all
from app.services.integration.api_keys import Principal
from app.services.loyalty.customers import any_member_locked


async def erase_customer(
    session: AsyncSession, principal: Principal, customer_id: str, now: datetime
) -> ErasurePublic:
    """Anonymise the member (live or deleted) for good; its figures stay."""
    member = await any_member_locked(session, principal, customer_id)
    if member.erased_at is not None:
        return ErasurePublic(
            customer_id=customer_id, erased_at=member.erased_at, scrubbed={}, audit_events_redacted=0
        )
    values: dict[str, Any] = {
        **dict.fromkeys(MEMBER_FIELDS),
        "name": PLACEHOLDER,
        "tags": [],
        "erased_at": now,
        "deleted_at": member.deleted_at or now,
        "updated_at": now,
    }
    await customers_repo.update_fields(session, customer_id, values)
    scrubbed = await repo.scrub_crm(session, customer_id)
    await withdraw_all(session, principal, customer_id, "erasure", now)
    await repo.revoke_tokens(session, customer_id, now)
    await repo.forget_replies(session, customer_id)
    redacted = await repo.redact_audit(session, customer_id)
    await audit.record(
        session, principal, "customer", customer_id, "erase", {"erased_at": None}, {"erased_at": now}, now
    )
    return ErasurePublic(
        customer_id=customer_id, erased_at=now, scrubbed=scrubbed, audit_events_redacted=redacted
    )
