"""Maintenance records: the latest of each service type per vehicle, for reminders."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.reminders import LastMaintenance
from app.repositories import tables
from app.repositories.crm import seen
from app.repositories.crm.seen import EVERYONE, Reach

m = tables.maintenance_record


async def latest_per_type(
    session: AsyncSession, service_types: list[str], reach: Reach = EVERYONE
) -> list[LastMaintenance]:
    """The latest record (by date, then id) of each (member, vehicle, service type) of live members.

    With `reach`, only the members it covers (`seen.member_ids`).
    """
    if not service_types:
        return []
    ranked = (
        select(
            m,
            func.row_number()
            .over(
                partition_by=(m.c.customer_id, m.c.vehicle_id, m.c.service_type),
                order_by=(m.c.performed_on.desc(), m.c.id.desc()),
            )
            .label("rank"),
        )
        .where(m.c.customer_id.in_(seen.member_ids(reach)), m.c.service_type.in_(service_types))
        .subquery()
    )
    rows = await session.execute(select(ranked).where(ranked.c.rank == 1))
    return [
        LastMaintenance(
            record_id=r.id,
            customer_id=r.customer_id,
            vehicle_id=r.vehicle_id,
            service_type=r.service_type,
            performed_on=r.performed_on,
            mileage_km=r.mileage_km,
        )
        for r in rows
    ]
