"""Every worked case of the spec's vectors.json and refund_vectors.json, to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.domain.loyalty.grading import TierRule, grade
from app.domain.loyalty.points_settings import Phase
from app.domain.loyalty.refunds import RefundableLine, RefundRequest, reverse
from app.domain.loyalty.settlement import LineInput, settle_purchase
from app.domain.money import ZERO

HERE = Path(__file__).parent
SPEC = HERE.parents[3] / "shared" / "spec"


def load(name: str) -> list[dict[str, Any]]:
    """The spec's copy when it sits beside the repository, else the committed copy."""
    path = SPEC / name if (SPEC / name).exists() else HERE / "vectors" / name
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def test_committed_copies_match_the_spec() -> None:
    if not SPEC.exists():
        pytest.skip("../shared/spec is not beside this checkout")
    for name in ("vectors.json", "refund_vectors.json"):
        assert (HERE / "vectors" / name).read_text() == (SPEC / name).read_text()


def line_input(raw: dict[str, str]) -> LineInput:
    return LineInput(
        amount=Decimal(raw["amount"]),
        margin=Decimal(raw["margin"]),
        weight=Decimal(raw.get("weight", "1")),
    )


@pytest.mark.parametrize("case", load("vectors.json"), ids=lambda c: c["name"][:40])
def test_purchase_vectors(case: dict[str, Any]) -> None:
    tiers = [TierRule(t["code"], Decimal(t["threshold"]), Decimal(t["rebate_rate"])) for t in case["tiers"]]
    lifetime = Decimal(case["lifetime_before"])
    for purchase, expected in zip(case["purchases"], case["expected"], strict=True):
        before = grade(tiers, lifetime)
        x = Decimal(case["x"][Phase(purchase["phase"])])
        result = settle_purchase([line_input(raw) for raw in purchase["lines"]], x, before.rebate_rate)
        for got, want in zip(result.lines, expected["lines"], strict=True):
            assert str(got.list_profit) == want["list_profit"]
            assert str(got.rebate) == want["rebate"]
            assert str(got.paid) == want["paid"]
            assert str(got.profit_points) == want["profit_points"]
            assert str(got.consumption_points) == want["consumption_points"]
        assert str(result.rebate) == expected["rebate_total"]
        assert str(result.payable) == expected["payable"]
        assert str(result.profit_points) == expected["profit_points"]
        assert str(result.consumption_points) == expected["consumption_points"]
        assert str(result.points) == expected["points"]
        lifetime += result.points
        assert before.code == expected["tier_before"]
        assert grade(tiers, lifetime).code == expected["tier_after"]
        assert lifetime == Decimal(expected["lifetime_after"])


@pytest.mark.parametrize("case", load("refund_vectors.json"), ids=lambda c: c["name"])
def test_refund_vectors(case: dict[str, Any]) -> None:
    x = Decimal(case["x"])
    purchase = settle_purchase([line_input(raw) for raw in case["lines"]], x, ZERO)
    assert str(purchase.points) == case["purchase_points"]
    lines = [
        RefundableLine(i, r.paid, r.weight, r.profit_points, r.consumption_points)
        for i, r in enumerate(purchase.lines, start=1)
    ]
    lifetime, reversed_points = purchase.points, ZERO
    for refund, want in zip(case["refunds"], case["lifetime_after"], strict=True):
        requests = [RefundRequest(r["line_no"], Decimal(r["amount"])) for r in refund]
        result = reverse(
            lines, requests, x=x, purchase_points=purchase.points, reversed_points=reversed_points
        )
        reversed_points += result.points
        lifetime -= result.points
        assert str(lifetime) == want
        done = {r.line_no: r for r in result.lines}
        lines = [ln.after(done[ln.line_no]) if ln.line_no in done else ln for ln in lines]
