"""The members a list may show: live ones, and for a restricted caller only those it sees."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, or_, select

from app.repositories import tables

c, p = tables.customer, tables.purchase


@dataclass(frozen=True)
class Reach:
    """Which members a caller sees: all (both None), a store's, or one sales rep's."""

    store_id: str | None = None
    rep: str | None = None


EVERYONE = Reach()


def member_ids(reach: Reach = EVERYONE) -> Select[tuple[str]]:
    """Ids of live members the reach covers.

    A rep (a staff user's key) sees the members whose `sales_rep` is its code; a store, its
    members and those it has sold to. The SQL form of `services.loyalty.access.sees_member`,
    for filtering lists in one query.
    """
    query = select(c.c.id).where(c.c.deleted_at.is_(None))
    if reach.rep is not None:
        return query.where(c.c.sales_rep == reach.rep)
    if reach.store_id is not None:
        sold = select(p.c.id).where(p.c.customer_id == c.c.id, p.c.store_id == reach.store_id).exists()
        query = query.where(or_(c.c.store_id == reach.store_id, sold))
    return query
