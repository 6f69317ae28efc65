"""What a running campaign adds to a purchase (points.md "Campaign multiplier", "extra rebate").

The `earn` entry stays the plain formula; each campaign's extra points are its own `bonus`:
extra = Zm' − Zm, where Zm' is the purchase's blended points with each covered line's p_i and
u_i replaced by round2(m × p_i) and round2(m × u_i) (never negative: a loss-making line
multiplied cannot take points away). An extra rebate rate e makes a covered line's rebate use
d + e, with the same cap at the line's profit; when several campaigns cover a line, the
largest e applies (they do not add up) and its campaign bears the cost. Multipliers of
several campaigns each give their own bonus, each against the plain Zm.
All figures are Decimal, rounded with `round2` exactly where points.md says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.domain.loyalty.settlement import LineInput, Settlement, blend
from app.domain.money import ZERO, round2


@dataclass(frozen=True)
class Incentive:
    """A running campaign's terms for one purchase of one of its targeted members."""

    campaign_id: str
    multiplier: Decimal | None = None
    extra_rebate_rate: Decimal | None = None
    service_types: frozenset[str] = frozenset()  # empty: every service type
    counts_toward_tier: bool = False

    def covers(self, service_type: str) -> bool:
        return not self.service_types or service_type in self.service_types


@dataclass(frozen=True)
class CampaignExtra:
    """One campaign's share of a purchase: bonus points and the extra rebate (money) it gave."""

    campaign_id: str
    bonus_points: Decimal
    extra_rebate: Decimal
    counts_toward_tier: bool = False


def _rebate_owner(incentives: Sequence[Incentive], service_type: str) -> Incentive | None:
    """The campaign whose extra rebate applies to a line: the largest e covering it (first on ties)."""
    best: Incentive | None = None
    for inc in incentives:
        rate = inc.extra_rebate_rate
        if rate and inc.covers(service_type) and (best is None or rate > (best.extra_rebate_rate or ZERO)):
            best = inc
    return best


def with_extra_rebates(
    lines: Sequence[LineInput], service_types: Sequence[str], incentives: Sequence[Incentive]
) -> list[LineInput]:
    """The lines with each covered line's extra rebate rate e set (the largest that covers it)."""
    out = []
    for line, kind in zip(lines, service_types, strict=True):
        owner = _rebate_owner(incentives, kind)
        rate = owner.extra_rebate_rate if owner and owner.extra_rebate_rate else ZERO
        out.append(LineInput(line.amount, line.margin, line.cost, line.weight, rate))
    return out


def multiplied_points(settlement: Settlement, service_types: Sequence[str], incentive: Incentive) -> Decimal:
    """Zm': the blended points with the covered lines' p_i and u_i multiplied by m (round2 each)."""
    m = incentive.multiplier
    profit, consumption = ZERO, ZERO
    for line, kind in zip(settlement.lines, service_types, strict=True):
        covered = m is not None and incentive.covers(kind)
        profit += round2(m * line.profit_points) if covered and m else line.profit_points
        consumption += round2(m * line.consumption_points) if covered and m else line.consumption_points
    return blend(settlement.x, profit, consumption)


def campaign_extras(
    plain: Settlement, boosted: Settlement, service_types: Sequence[str], incentives: Sequence[Incentive]
) -> list[CampaignExtra]:
    """Each campaign's bonus (Zm' − Zm of the settlement with extra rebates) and extra rebate.

    `plain` is the purchase settled at the tier's rate d alone, `boosted` with the extra rates
    of `with_extra_rebates` (the settlement that is posted); a line's extra rebate is the
    difference of its two rebates. Campaigns that add nothing are left out.
    """
    extras = []
    for inc in incentives:
        bonus = ZERO
        if inc.multiplier is not None and inc.multiplier > 1:
            bonus = max(ZERO, multiplied_points(boosted, service_types, inc) - boosted.points)
        rebate = sum(
            (
                b.rebate - p.rebate
                for p, b, kind in zip(plain.lines, boosted.lines, service_types, strict=True)
                if _rebate_owner(incentives, kind) is inc
            ),
            ZERO,
        )
        if bonus > 0 or rebate > 0:
            extras.append(CampaignExtra(inc.campaign_id, bonus, rebate, inc.counts_toward_tier))
    return extras


def bonus_reversal(
    bonus: Decimal,
    already_reversed: Decimal,
    purchase_points: Decimal,
    reversed_points: Decimal,
    *,
    last: bool,
) -> Decimal:
    """Bonus a refund takes back: round2(bonus × reversed Zm / purchase Zm), exactly what is left on
    the refund that completes the purchase, and never more than is left."""
    left = bonus - already_reversed
    if last:
        return left
    if purchase_points <= 0:
        return ZERO
    return min(round2(bonus * reversed_points / purchase_points), left)
