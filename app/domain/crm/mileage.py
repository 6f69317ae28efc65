"""Odometer readings: they only go up, unless the reading corrects an earlier mistake."""

from __future__ import annotations

from app.domain.crm.errors import MileageWentBack


def check_reading(previous_km: int | None, reading_km: int, *, correction: bool) -> None:
    """Refuse a reading below the previous one unless it is flagged as a correction."""
    if previous_km is not None and reading_km < previous_km and not correction:
        raise MileageWentBack(
            f"{reading_km} km is below the previous reading of {previous_km} km; "
            "send correction=true with a note to correct a wrong reading"
        )
