"""`crm verify`: recompute every balance, lifetime figure and liability stripe from the ledger.

The running totals are written beside each entry, so they can drift only through a bug or
a hand edit of the database; this is how an operator proves they did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.finance.liability import delta, stripe_of
from app.repositories.finance import liability as liability_repo
from app.repositories.finance import verify as repo
from app.repositories.finance.verify import Figures
from app.services.finance.lots import lots_drift

ZERO = Figures(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0)


@dataclass
class Report:
    members: int = 0
    drift: list[str] = field(default_factory=list)


async def verify(session: AsyncSession) -> Report:
    """Every member's totals against its ledger, every stripe against those balances, and every
    member's points lots against its balance."""
    report = Report()
    explained = await repo.ledger_figures(session)
    expected: dict[int, list[Decimal]] = {}
    async for member_id, held in repo.member_figures(session):
        report.members += 1
        should = explained.get(member_id, ZERO)
        for f in fields(Figures):
            if getattr(held, f.name) != getattr(should, f.name):
                have, want = getattr(held, f.name), getattr(should, f.name)
                report.drift.append(f"member {member_id}: {f.name} is {have}, the ledger says {want}")
        change = delta(Decimal(0), should.balance)
        row = expected.setdefault(stripe_of(member_id), [Decimal(0), Decimal(0), Decimal(0)])
        row[0] += change.positive_points
        row[1] += change.total_points
        row[2] += change.positive_members
    stored = await liability_repo.stripes(session)
    for stripe in sorted(set(expected) | set(stored)):
        want = expected.get(stripe, [Decimal(0), Decimal(0), Decimal(0)])
        have = stored.get(stripe)
        got = (
            [have.positive_points, have.total_points, Decimal(have.positive_members)]
            if have
            else [Decimal(0)] * 3
        )
        for name, g, w in zip(
            ("positive_points", "total_points", "positive_members"), got, want, strict=True
        ):
            if g != w:
                report.drift.append(f"stripe {stripe}: {name} is {g}, the ledger says {w}")
    report.drift += await lots_drift(session)
    return report
