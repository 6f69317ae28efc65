"""Members, purchases, spend, profit, activities and open tickets per sales rep over a period.

A store-bound caller (a manager) gets the figures of the members its store sees; an
unrestricted admin, every member's. Purchases count by `occurred_at`, activities by theirs,
both in whole UTC days; open tickets and member counts are as of now.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.finance.pnl import next_period
from app.models.crm.users import SalesRepReport, SalesRepRow
from app.repositories.crm import rep_report as repo
from app.repositories.crm import users as users_repo
from app.services.finance.reports import at_midnight, check_range
from app.services.integration.api_keys import Principal

CENT = Decimal("0.01")


def _kept_profit(payable: Decimal, refunded: Decimal, profit: Decimal, rebate: Decimal) -> Decimal:
    """The purchase's profit after rebates, scaled by the share not refunded, half-up to the cent."""
    earned = profit - rebate
    if payable <= 0:
        return earned
    return (earned * (payable - refunded) / payable).quantize(CENT, ROUND_HALF_UP)


async def sales_rep_report(
    session: AsyncSession, principal: Principal, start: date, end: date
) -> SalesRepReport:
    check_range(start, end)
    first, until = at_midnight(start), at_midnight(next_period("day", end))
    reach = principal.reach
    members = await repo.members(session, reach)
    counts: dict[str | None, int] = defaultdict(int)
    spend: dict[str | None, Decimal] = defaultdict(Decimal)
    profit: dict[str | None, Decimal] = defaultdict(Decimal)
    for rep, payable, refunded, line_profit, rebate in await repo.purchases(session, reach, first, until):
        counts[rep] += 1
        spend[rep] += payable - refunded
        profit[rep] += _kept_profit(payable, refunded, line_profit, rebate)
    activities = await repo.activities(session, reach, first, until)
    tickets = await repo.open_tickets(session, reach)
    users = await users_repo.names_by_rep(session)
    reps = set(members) | set(counts) | set(activities) | set(tickets)
    rows = [
        SalesRepRow(
            sales_rep=rep,
            user_id=users[rep][0] if rep in users else None,
            name=users[rep][1] if rep in users else None,
            members=members.get(rep, 0),
            purchases=counts[rep],
            spend=spend[rep],
            profit=profit[rep],
            activities=activities.get(rep, 0),
            open_tickets=tickets.get(rep, 0),
        )
        for rep in sorted(reps, key=lambda r: (r is None, r or ""))
    ]
    return SalesRepReport(start=start, end=end, rows=rows)
