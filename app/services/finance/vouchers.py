"""Vouchers: a settled member's payment; the POS uses each once, at one store."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import NotFound, VoucherNotIssued
from app.models.finance.vouchers import (
    VOUCHER_CODE,
    Voucher,
    VoucherPage,
    VoucherPublic,
    VoucherStatus,
    VoucherUse,
    VoucherVoid,
)
from app.repositories.finance import vouchers as repo
from app.repositories.loyalty import customers as customers_repo
from app.services.integration.api_keys import Principal
from app.services.loyalty.access import check_sees, sees_member
from app.services.loyalty.stores import require_store
from app.services.pagination import decode_position, encode_cursor

_CODE = re.compile(VOUCHER_CODE[1:-1])  # the contract's pattern, without its anchors


async def _seen(
    session: AsyncSession, principal: Principal, code: str, *, for_update: bool = False
) -> Voucher:
    """A voucher of a member the caller sees: any other is 404, so codes cannot be probed and
    a store cannot spend another store's member's voucher."""
    found = await repo.get(session, code, for_update=for_update)
    member = await customers_repo.get(session, found.customer_id, include_deleted=True) if found else None
    if found is None or member is None or not await sees_member(session, principal, member):
        raise NotFound(f"no voucher {code}")
    return found


async def get_voucher(session: AsyncSession, principal: Principal, code: str) -> VoucherPublic:
    return VoucherPublic.model_validate(await _seen(session, principal, code), from_attributes=True)


async def _issued(session: AsyncSession, principal: Principal, code: str) -> VoucherPublic:
    """The voucher, locked; 409 unless it is still issued."""
    found = await _seen(session, principal, code, for_update=True)
    if found.status != VoucherStatus.issued:
        raise VoucherNotIssued(f"voucher {code} is {found.status}", extra={"voucher_status": found.status})
    return VoucherPublic.model_validate(found, from_attributes=True)


async def use_voucher(
    session: AsyncSession, principal: Principal, code: str, body: VoucherUse, now: datetime
) -> VoucherPublic:
    """Spend the voucher at a store; a second use (or a void one) is 409.

    A voucher is a bearer code any till of the store takes, except a staff user's key, which
    takes only its own members' (another's does not exist for it)."""
    principal.check_store(body.store_id)
    await require_store(session, body.store_id)
    voucher = await _issued(session, principal, code)
    values = {
        "status": VoucherStatus.used.value,
        "used_at": now,
        "used_store_id": body.store_id,
        "used_by": principal.key_id,
    }
    await repo.update_fields(session, code, values)
    return voucher.model_copy(update=values | {"status": VoucherStatus.used})


async def void_voucher(
    session: AsyncSession, principal: Principal, code: str, body: VoucherVoid, now: datetime
) -> VoucherPublic:
    """Cancel an unused voucher (issued in error, lost); the settled points are not returned."""
    voucher = await _issued(session, principal, code)
    values = {"status": VoucherStatus.void.value, "voided_at": now, "void_reason": body.reason}
    await repo.update_fields(session, code, values)
    return voucher.model_copy(update=values | {"status": VoucherStatus.void})


async def list_customer_vouchers(
    session: AsyncSession,
    principal: Principal,
    customer_id: str,
    status: VoucherStatus | None,
    limit: int,
    cursor: str | None,
) -> VoucherPage:
    member = await customers_repo.get(session, customer_id)
    if member is None:
        raise NotFound(f"no member {customer_id}")
    await check_sees(session, principal, member)
    after = decode_position(cursor, _CODE)
    found = await repo.page(session, customer_id, status.value if status else None, limit + 1, after)
    page = found[:limit]
    return VoucherPage(
        items=[VoucherPublic.model_validate(v, from_attributes=True) for v in page],
        next_cursor=encode_cursor(page[-1].code) if len(found) > limit else None,
    )
