"""The members a list may show: live ones, and for a store-bound caller only those it sees."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from app.repositories import tables

c, p = tables.customer, tables.purchase


def member_ids(store_id: str | None = None) -> Select[tuple[str]]:
    """Ids of live members; with `store_id`, those of that store and those it has sold to.

    The SQL form of `services.loyalty.access.sees_member`, for filtering lists in one query.
    """
    query = select(c.c.id).where(c.c.deleted_at.is_(None))
    if store_id is not None:
        sold = select(p.c.id).where(p.c.customer_id == c.c.id, p.c.store_id == store_id).exists()
        query = query.where(or_(c.c.store_id == store_id, sold))
    return query
