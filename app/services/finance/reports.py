"""Finance reports: profit and loss with the points figures, per period or group; the liability.

Facts are read for the range (purchases posted, refunds made, ledger entries written, by
their posting time in UTC) in keyset pages and summed per group as they come
(`domain.finance.pnl.Tally`), so memory is bounded by a page and the groups, not the range.
The liability at the end of each period replays the balance after each ledger entry up to
the end of the range (one small record per member), keeping a running sum of positive
balances. Money from points uses the point value
in force when the report is made.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import InvalidInput
from app.domain.finance.expiry import add_months
from app.domain.finance.pnl import (
    Fact,
    Row,
    Tally,
    allocate,
    blended_weights,
    line_cost_refunded,
    next_period,
    periods,
)
from app.domain.money import ZERO, round2
from app.models import LedgerEntry, Refund
from app.models.finance.reports import (
    BAND_EDGES,
    FinanceReport,
    FinanceRow,
    GroupBy,
    LiabilityGroup,
    LiabilityHolder,
    LiabilityReport,
)
from app.models.loyalty.purchases import PurchaseLineRecord, PurchaseRecord
from app.repositories.finance import reports as repo
from app.services.loyalty.rules import load_rules

MAX_YEARS = 5
EARLIEST, LATEST = date(1970, 1, 1), date(9000, 12, 31)
#: Entries that move no points (a re-grade records a tier change only; a merge or its undo the
#: re-added totals, the moved entries keep their own kinds and times): nothing to report.
NO_POINTS = {"regrade", "merge", "unmerge"}
#: Where each other kind's points go (`reverse` splits by what it reverses, below).
_ENTRY_FIGURE = {
    "earn": ("points_earned", 1),
    "bonus": ("points_bonus", 1),
    "redeem": ("points_redeemed", -1),
    "settle": ("points_settled", -1),
    "expire": ("points_expired", -1),
    "adjust": ("points_adjusted", 1),
}


def at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def check_range(start: date, end: date) -> None:
    """`from` ≤ `to`, at most 5 years apart, both in years 1970–9000; 422 naming the field otherwise."""
    for name, day in (("from", start), ("to", end)):
        if not EARLIEST <= day <= LATEST:
            raise InvalidInput.at(name, f"must be between {EARLIEST} and {LATEST}")
    if start > end:
        raise InvalidInput.at("from", "must not be after `to`")
    if end >= add_months(at_midnight(start), 12 * MAX_YEARS).date():
        raise InvalidInput.at("to", f"the range may not exceed {MAX_YEARS} years")


def _line_facts(purchase: PurchaseRecord, lines: Sequence[PurchaseLineRecord]) -> list[Fact]:
    return [
        Fact(
            purchase.created_at,
            purchase.tier_before,
            purchase.store_id,
            ln.service_type,
            {
                "sales": ln.paid,
                "revenue": ln.paid,
                "cost": ln.amount - ln.list_profit,
                "list_profit": ln.list_profit,
                "rebates": ln.rebate,
            },
        )
        for ln in lines
    ]


def _refund_facts(
    refund: Refund, purchase: PurchaseRecord, lines: Sequence[PurchaseLineRecord]
) -> list[Fact]:
    by_no = {ln.line_no: ln for ln in lines}
    facts = []
    for done in refund.lines:
        ln, amount = by_no[int(done["line_no"])], Decimal(str(done["amount"]))
        cost = line_cost_refunded(ln.amount, ln.list_profit, ln.paid, amount)
        figures = {"refunds": amount, "revenue": -amount, "cost": -cost}
        facts.append(Fact(refund.created_at, refund.tier_before, purchase.store_id, ln.service_type, figures))
    return facts


def _entry_facts(
    entry: LedgerEntry,
    purchase: PurchaseRecord | None,
    lines: Sequence[PurchaseLineRecord],
    refund: Refund | None,
) -> list[Fact]:
    """The entry's points; those of a purchase or refund split over its lines' service types."""
    store = entry.store_id or (purchase.store_id if purchase else None)
    if entry.kind in NO_POINTS:
        return []
    if entry.kind == "reverse":
        name, sign = ("points_reversed" if entry.refund_id else "points_redeemed"), -1
    else:
        name, sign = _ENTRY_FIGURE[entry.kind]
    value = entry.points * sign
    split: list[tuple[str | None, Decimal]] = [(None, value)]
    if purchase is not None and entry.kind == "earn":
        weights = blended_weights(purchase.x, [(ln.profit_points, ln.consumption_points) for ln in lines])
        split = list(zip([ln.service_type for ln in lines], allocate(value, weights), strict=True))
    elif purchase is not None and refund is not None and entry.kind == "reverse":
        types = {ln.line_no: ln.service_type for ln in lines}
        done = [
            (int(d["line_no"]), Decimal(str(d["profit_points"])), Decimal(str(d["consumption_points"])))
            for d in refund.lines
        ]
        weights = blended_weights(purchase.x, [(pp, cp) for _, pp, cp in done])
        split = list(zip([types[no] for no, _, _ in done], allocate(value, weights), strict=True))
    return [Fact(entry.created_at, entry.tier_before, store, kind, {name: part}) for kind, part in split]


async def _with_lines(
    session: AsyncSession, known: dict[str, PurchaseRecord], wanted: set[str]
) -> dict[str, list[PurchaseLineRecord]]:
    """Load the purchases in `wanted` not yet `known` (into it) and the lines of all of `wanted`."""
    known |= await repo.purchases_by_id(session, sorted(wanted - known.keys()))
    return await repo.lines_of(session, sorted(wanted))


async def collect_facts(session: AsyncSession, start: datetime, end: datetime) -> AsyncIterator[list[Fact]]:
    """Every fact of [start, end), a page at a time: purchase lines, refunded lines, ledger entries."""
    async for posted in repo.purchases_posted(session, start, end):
        known = {p.id: p for p in posted}
        lines = await _with_lines(session, known, set(known))
        yield [f for p in posted for f in _line_facts(p, lines[p.id])]
    async for refunds in repo.refunds_made(session, start, end):
        known = {}
        lines = await _with_lines(session, known, {r.purchase_id for r in refunds})
        yield [f for r in refunds for f in _refund_facts(r, known[r.purchase_id], lines[r.purchase_id])]
    async for entries in repo.entries_written(session, start, end):
        known = {}
        lines = await _with_lines(session, known, {e.transaction_id for e in entries if e.transaction_id})
        by_refund = await repo.refunds_by_id(session, sorted({e.refund_id for e in entries if e.refund_id}))
        facts = []
        for e in entries:
            purchase = known.get(e.transaction_id) if e.transaction_id else None
            found = lines[purchase.id] if purchase else []
            facts += _entry_facts(e, purchase, found, by_refund.get(e.refund_id) if e.refund_id else None)
        yield facts


async def tally(
    session: AsyncSession, start: datetime, end: datetime, groupings: dict[str, Sequence[str | None]]
) -> Tally:
    """The facts of [start, end) summed for each grouping."""
    sums = Tally(groupings)
    async for facts in collect_facts(session, start, end):
        sums.add(facts)
    return sums


async def liability_at(
    session: AsyncSession, ends: Sequence[datetime], point_value: Decimal
) -> tuple[list[Decimal], dict[str, Decimal]]:
    """Liability at each instant of `ends` (ascending), and per tier held at the last one."""
    state: dict[str, tuple[int, Decimal, str]] = {}
    positive, snapshots = ZERO, list[Decimal]()
    async for row in repo.balances_before(session, ends[-1]):
        while row.created_at >= ends[len(snapshots)]:
            snapshots.append(round2(positive * point_value))
        held = state.get(row.customer_id)
        if held is not None and held[0] > row.entry_no:
            continue
        positive += max(ZERO, row.balance_after) - (max(ZERO, held[1]) if held else ZERO)
        state[row.customer_id] = (row.entry_no, row.balance_after, row.tier_after)
    snapshots += [round2(positive * point_value)] * (len(ends) - len(snapshots))
    tiers: dict[str, Decimal] = {}
    for _, balance, tier in state.values():
        tiers[tier] = tiers.get(tier, ZERO) + max(ZERO, balance)
    return snapshots, {t: round2(v * point_value) for t, v in tiers.items()}


def _public(row: Row, point_value: Decimal) -> FinanceRow:
    return FinanceRow(
        key=row.key,
        **row.sums,
        **row.derived(point_value),
        net_margin=row.net_margin(point_value),
        liability_end=row.liability_end,
    )


async def finance_report(session: AsyncSession, start: date, end: date, group_by: GroupBy) -> FinanceReport:
    """The P&L and points figures of [start, end] (whole UTC days) grouped as asked."""
    check_range(start, end)
    point_value = (await load_rules(session)).settings.point_value
    until = at_midnight(next_period("day", end))
    timed = group_by in (GroupBy.day, GroupBy.month)
    starts = periods(group_by.value, start, end) if timed else []
    keys = [s.isoformat() if group_by is GroupBy.day else s.strftime("%Y-%m") for s in starts]
    sums = await tally(session, at_midnight(start), until, {group_by.value: keys, "total": [None]})
    rows, total = sums.rows[group_by.value], sums.rows["total"][None]
    ends = [min(until, at_midnight(next_period(group_by.value, s))) for s in starts] or [until]
    snapshots, per_tier = await liability_at(session, ends, point_value)
    total.liability_end = snapshots[-1]
    for key, snapshot in zip(keys, snapshots, strict=False):
        rows[key].liability_end = snapshot
    if group_by is GroupBy.tier:
        for tier in per_tier:
            rows.setdefault(tier, Row(tier))
        for row in rows.values():
            row.liability_end = per_tier.get(row.key or "", ZERO)
    ordered = (
        [rows[k] for k in keys]
        if timed
        else sorted(rows.values(), key=lambda r: (r.key is None, r.key or ""))
    )
    return FinanceReport(
        start=start,
        end=end,
        group_by=group_by,
        point_value=point_value,
        rows=[_public(r, point_value) for r in ordered],
        total=_public(total, point_value),
    )


def _band_name(index: int, edges: Sequence[Decimal]) -> str:
    if index == 0:
        return "<=0"
    if index > len(edges):
        return f"{edges[-1]:.0f}+"
    low = edges[index - 2] if index > 1 else ZERO
    return f"{low:.0f}-{edges[index - 1]:.0f}"


async def liability_report(session: AsyncSession, top: int) -> LiabilityReport:
    """Who holds the points: the largest balances, and the balances per tier and per band."""
    point_value = (await load_rules(session)).settings.point_value
    holders = [
        LiabilityHolder(
            customer_id=h.id,
            name=h.name,
            tier=h.tier,
            balance=h.balance,
            value=round2(h.balance * point_value),
        )
        for h in await repo.top_holders(session, top)
    ]
    tiers = [
        LiabilityGroup(key=tier, members=n, points=total, liability=round2(positive * point_value))
        for tier, n, positive, total in await repo.by_tier(session)
    ]
    bands = [
        LiabilityGroup(
            key=_band_name(i, BAND_EDGES),
            members=n,
            points=total,
            liability=round2(max(ZERO, total) * point_value),
        )
        for i, n, total in await repo.by_band(session, BAND_EDGES)
    ]
    positive_points = sum((b.points for b in bands if b.key != "<=0"), ZERO)
    return LiabilityReport(
        point_value=point_value,
        members_with_points=sum(b.members for b in bands if b.key != "<=0"),
        points=positive_points,
        liability=round2(positive_points * point_value),
        top_holders=holders,
        by_tier=tiers,
        by_band=bands,
    )
