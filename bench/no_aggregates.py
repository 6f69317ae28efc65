"""The product with the liability aggregates switched off, for the bench only.

    uvicorn bench.no_aggregates:app

Every ledger movement calls `on_movement` (app/services/finance/liability.py) in its own
transaction to add the change to a liability stripe; here the ledger's reference to it is
replaced by a no-op, so the product posts exactly as before the aggregates existed. There is
deliberately no product setting for this: the aggregates are part of every movement, and
`bench/aggregates.py` uses this module only to measure what they cost.
"""

from __future__ import annotations

from app.services.loyalty import ledger


async def _skip(*_args: object, **_kwargs: object) -> None:
    """Stand-in for `on_movement`: writes no stripe, reads no state, raises no alert."""


ledger.on_movement = _skip  # type: ignore[assignment]

from app.main import app  # noqa: E402  (after the patch, though `apply_movement` looks it up per call)

__all__ = ["app"]
