"""What a key bound to a staff user may do: the user's role caps the key's scopes.

An admin holds everything; a manager is an admin of its store (the key is store-bound, so it
manages its store's members, keys and tier-service overrides, never the group-wide rules);
staff work members (read, write, sell, redeem) and see only the members assigned to them.
"""

from __future__ import annotations

ADMIN = "admin"
STAFF_SCOPES = frozenset({"members:read", "members:write", "transactions:write", "points:write"})
ROLE_SCOPES = {"admin": frozenset({ADMIN}), "manager": frozenset({ADMIN}), "staff": STAFF_SCOPES}


def grantable(role: str, scopes: frozenset[str]) -> frozenset[str]:
    """The scopes of `scopes` the role does not hold; `admin` stands for the role's own."""
    allowed = ROLE_SCOPES[role]
    return frozenset() if ADMIN in allowed else scopes - allowed - {ADMIN}


def effective_scopes(role: str, key_scopes: frozenset[str]) -> frozenset[str]:
    """The scopes a user-bound key acts with now: its own, capped by the user's current role.

    `admin` on the key stands for everything the role holds, so a demoted user's admin key
    keeps working within the new role instead of going dead.
    """
    allowed = ROLE_SCOPES[role]
    if ADMIN in allowed:
        return key_scopes
    if ADMIN in key_scopes:
        return allowed
    return key_scopes & allowed


def needs_store(role: str) -> bool:
    """Managers and staff belong to a store."""
    return role != "admin"
