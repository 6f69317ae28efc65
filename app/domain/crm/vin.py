"""Vehicle identification numbers (ISO 3779) and their check digit (position 9).

The check digit is the weighted sum of the transliterated characters modulo 11, `X` for 10
(the North American rule, also mandatory in China under GB 16735).
"""

from __future__ import annotations

_LETTERS = dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9),
        strict=True,
    )
)
_VALUES = {**{str(d): d for d in range(10)}, **_LETTERS}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
LENGTH = 17


def normalize_vin(text: str) -> str:
    """Upper case, without spaces or dashes (as printed on papers): VINs are compared in this form."""
    return "".join(c for c in text.upper() if not c.isspace() and c != "-")


def check_digit(vin: str) -> str:
    """The check digit a 17-character VIN of valid characters should carry at position 9."""
    total = sum(_VALUES[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_problem(vin: str) -> str | None:
    """Why `vin` (normalized) is not a valid VIN, or None when it is."""
    if len(vin) != LENGTH:
        return f"must be {LENGTH} characters, not {len(vin)}"
    bad = sorted({c for c in vin if c not in _VALUES})
    if bad:
        return f"contains {', '.join(repr(c) for c in bad)} (letters I, O and Q are never used)"
    expected = check_digit(vin)
    if vin[8] != expected:
        return f"check digit (position 9) is {vin[8]!r}, the rest of the VIN gives {expected!r}"
    return None
