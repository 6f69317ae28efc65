"""Signed points statements: a member's figures a third party can check without calling us.

The signature is Ed25519 over the canonical JSON of the `statement` object (keys sorted, no
whitespace, UTF-8); figures are decimal strings, so no float formatting enters the bytes.
The key id is derived from the public key, so a rotated key gets a new id.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Busy
from app.models.integration.statements import PointsStatement, SignedStatement, StatementKey
from app.services.integration.api_keys import Principal
from app.services.loyalty.points import get_ledger, get_points

STATEMENT_ENTRIES = 20


def canonical(value: Any) -> bytes:
    """The signed bytes: JSON, keys sorted, separators `,` and `:`, non-ASCII kept, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def public_key(private: bytes) -> StatementKey:
    raw = (
        Ed25519PrivateKey.from_private_bytes(private)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return StatementKey(kid="stmt-" + hashlib.sha256(raw).hexdigest()[:16], x=x)


async def get_statement(
    session: AsyncSession, principal: Principal, customer_id: str, private: bytes, now: datetime
) -> SignedStatement:
    """Balance, lifetime figures, tier and latest entries, signed; read again if a movement landed between."""
    kid = public_key(private).kid
    for _ in range(3):
        points = await get_points(session, principal, customer_id)
        entries = (await get_ledger(session, principal, customer_id, STATEMENT_ENTRIES, None)).items
        if not entries or entries[0].balance_after == points.balance:
            break
    else:
        raise Busy("the member's points kept changing while the statement was read; retry shortly")
    statement = PointsStatement(
        customer_id=points.customer_id,
        issued_at=now.isoformat().replace("+00:00", "Z"),
        balance=points.balance,
        lifetime_points=points.lifetime_points,
        lifetime_profit_points=points.lifetime_profit_points,
        lifetime_consumption_points=points.lifetime_consumption_points,
        tier=points.tier,
        entries=entries,
        key_id=kid,
    )
    signature = Ed25519PrivateKey.from_private_bytes(private).sign(
        canonical(statement.model_dump(mode="json"))
    )
    return SignedStatement(statement=statement, key_id=kid, signature=base64.b64encode(signature).decode())
