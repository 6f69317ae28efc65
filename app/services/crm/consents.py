"""Marketing consent per channel (`domain.crm.consents`): read the decisions in force, record new ones.

Every decision sent is appended with its time, source and author (the log is the history);
those that change what is in force are also audited on the member.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.consents import ConsentChannel
from app.models.base import new_id
from app.models.crm.consents import ConsentsPublic, ConsentState, ConsentsUpdate
from app.repositories.crm import consents as repo
from app.services import audit
from app.services.crm.members import changed_member, seen_member
from app.services.integration.api_keys import Principal


async def _public(session: AsyncSession, customer_id: str) -> ConsentsPublic:
    decided = await repo.in_force(session, customer_id)
    states = {}
    for channel in ConsentChannel:
        granted, at, source = decided.get(channel.value, (False, None, None))
        states[channel.value] = ConsentState(granted=granted, at=at, source=source)
    return ConsentsPublic(customer_id=customer_id, **states)


async def get_consents(session: AsyncSession, principal: Principal, customer_id: str) -> ConsentsPublic:
    await seen_member(session, principal, customer_id)
    return await _public(session, customer_id)


async def record_decisions(
    session: AsyncSession,
    principal: Principal,
    customer_id: str,
    decisions: dict[ConsentChannel, bool],
    source: str,
    now: datetime,
) -> None:
    """Append the decisions (time, source, author) and audit what they change. The caller holds
    the member's row lock, so decisions are recorded one after another: the last to commit is
    in force (its `at` is after the one it follows), and the audit's old values are what was
    in force."""
    before = await repo.in_force(session, customer_id)
    at = max([now, *(decided_at + timedelta(microseconds=1) for _, decided_at, _ in before.values())])
    rows = [
        {
            "id": new_id("cns"),
            "customer_id": customer_id,
            "channel": channel.value,
            "granted": granted,
            "source": source,
            "at": at,
            "api_key_id": principal.key_id,
            "user_id": principal.user_id,
        }
        for channel, granted in decisions.items()
    ]
    await repo.append(session, rows)
    await audit.record(
        session,
        principal,
        "customer",
        customer_id,
        "update",
        {f"consent.{c.value}": before[c.value][0] if c.value in before else None for c in decisions},
        {f"consent.{c.value}": granted for c, granted in decisions.items()},
        now,
    )


async def withdraw_all(
    session: AsyncSession, principal: Principal, customer_id: str, source: str, now: datetime
) -> None:
    """Withdraw every consent in force (erasure)."""
    granted = [c for c, (yes, _, _) in (await repo.in_force(session, customer_id)).items() if yes]
    await record_decisions(
        session, principal, customer_id, {ConsentChannel(c): False for c in granted}, source, now
    )


async def update_consents(
    session: AsyncSession, principal: Principal, customer_id: str, body: ConsentsUpdate, now: datetime
) -> ConsentsPublic:
    """Record the member's decisions on the channels sent, from `body.source`, now."""
    await changed_member(session, principal, customer_id, for_update=True)
    await record_decisions(session, principal, customer_id, body.decisions(), body.source, now)
    return await _public(session, customer_id)
