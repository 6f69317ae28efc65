"""Signed points statements: the statement, its detached Ed25519 signature, the public key."""

from __future__ import annotations

from typing import Literal

from sqlmodel import Field, SQLModel

from app.models.loyalty.ledger import LedgerEntryPublic
from app.models.types import Money

CANONICALIZATION = "json-sorted-keys-compact-utf8"


class PointsStatement(SQLModel):
    """What is signed: every figure a decimal string, every time ISO 8601 UTC."""

    customer_id: str
    issued_at: str = Field(description="When the statement was made (ISO 8601, UTC).")
    balance: Money
    lifetime_points: Money
    lifetime_profit_points: Money
    lifetime_consumption_points: Money
    tier: str
    entries: list[LedgerEntryPublic] = Field(description="The most recent ledger entries, newest first.")
    key_id: str = Field(description="The signing key (`kid` of `GET /v1/.well-known/statement-key`).")


class SignedStatement(SQLModel):
    statement: PointsStatement
    algorithm: Literal["Ed25519"] = "Ed25519"
    canonicalization: Literal["json-sorted-keys-compact-utf8"] = Field(
        default=CANONICALIZATION,
        description="Signed bytes: the `statement` object as JSON with keys sorted, no whitespace "
        "(separators `,` and `:`), non-ASCII as UTF-8 (not escaped), encoded as UTF-8.",
    )
    key_id: str
    signature: str = Field(description="Base64 (standard, padded) of the 64-byte Ed25519 signature.")


class StatementKey(SQLModel):
    """The public key as a JWK (RFC 8037 OKP)."""

    kty: Literal["OKP"] = "OKP"
    crv: Literal["Ed25519"] = "Ed25519"
    alg: Literal["EdDSA"] = "EdDSA"
    use: Literal["sig"] = "sig"
    kid: str
    x: str = Field(description="The 32-byte public key, base64url without padding (RFC 8037).")
