"""Initial data set-up (302): a car dealer's catalogue, tiers, settings and demo members
(`crm seed` then runs the member analysis, so their stages and segments are filled in).

Idempotent: the catalogue is installed only into an empty catalogue, demo stores only when
missing, demo members only into an empty member list, so running it twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.crm.consents import ConsentChannel
from app.models.loyalty.catalogue import ServiceTypeCreate, TierIn, TierTableIn
from app.models.loyalty.customers import CustomerCreate, Kind
from app.models.loyalty.purchases import TransactionCreate, TransactionLineIn
from app.repositories.loyalty import catalogue as catalogue_repo
from app.repositories.loyalty import customers as customers_repo
from app.repositories.loyalty import stores as stores_repo
from app.repositories.loyalty.customers import SearchFilters
from app.services.crm.consents import record_decisions
from app.services.integration.api_keys import Principal
from app.services.loyalty.catalogue import create_service_type, replace_tier_table
from app.services.loyalty.customers import create_customer
from app.services.loyalty.transactions import post_purchase

D = Decimal
SERVICE_TYPES = [
    # code, name, category, typical margin, points weight (new cars earn little spend credit)
    ("new_car", "New car sales", "sales", D("0.04"), D("0.1")),
    ("used_car", "Used car sales", "sales", D("0.08"), D("0.2")),
    ("maintenance", "Scheduled maintenance", "after-sales", D("0.35"), D("1")),
    ("repair", "Mechanical and body repair", "after-sales", D("0.30"), D("1")),
    ("parts", "Parts", "after-sales", D("0.25"), D("1")),
    ("insurance", "Insurance commission", "finance", D("0.15"), D("0.5")),
    ("accessories", "Accessories and decoration", "sales", D("0.40"), D("1")),
]
TIERS = [
    ("standard", "Standard", D("0"), D("0"), ["maintenance", "parts"]),
    ("silver", "Silver", D("5000"), D("0.05"), ["maintenance", "parts", "repair"]),
    ("gold", "Gold", D("20000"), D("0.10"), ["maintenance", "parts", "repair", "accessories"]),
    (
        "platinum",
        "Platinum",
        D("50000"),
        D("0.15"),
        ["maintenance", "parts", "repair", "accessories", "insurance"],
    ),
]
DEMO_STORES = [
    # code, name, region
    ("dealer-01", "Shenzhen Futian 4S", "Guangdong"),
    ("dealer-02", "Guangzhou Tianhe 4S", "Guangdong"),
    ("dealer-03", "Dongguan Nancheng Service Centre", "Guangdong"),
]
DEMO_MEMBERS = [
    ("张三", Kind.person, "+8613800138000", "zhang.san@example.com", "DMS-100001"),
    ("Li Wei", Kind.person, "+8613900139000", "li.wei@example.com", "DMS-100002"),
    ("深圳顺达物流有限公司", Kind.company, "+8675588880000", "fleet@shunda.example.com", "DMS-200001"),
    # Two members whose last purchase is over a year old (decline): the first is the top
    # customer by profit (a value customer: the README's marketing walk-through selects it).
    ("广州宏达汽车租赁有限公司", Kind.company, "+862088880000", "fleet@hongda.example.com", "DMS-200002"),
    ("王芳", Kind.person, "+8613700137001", "wang.fang@example.com", "DMS-100003"),
]
DEMO_PURCHASES: list[tuple[int, int, list[tuple[str, str, str | None]]]] = [
    # member index, days ago, lines (service type, amount, margin or None for the type's average)
    (0, 90, [("new_car", "186000.00", None), ("accessories", "6800.00", None)]),
    (0, 60, [("maintenance", "1000.00", "0.35"), ("parts", "2000.00", "0.25")]),
    (1, 30, [("repair", "4200.00", None), ("parts", "1800.00", None)]),
    (2, 0, [("maintenance", "12000.00", None), ("insurance", "30000.00", None)]),
    (3, 420, [("new_car", "540000.00", None), ("insurance", "36000.00", None)]),
    (4, 400, [("maintenance", "800.00", None)]),
]
#: Members (by index) who agreed to marketing by SMS at the counter.
DEMO_SMS_CONSENT = (0, 3)
SEED_PRINCIPAL = Principal(key_id="seed", name="crm seed", scopes=frozenset({"admin"}), store_id=None)


async def seed_stores(session: AsyncSession, now: datetime) -> int:
    """The demo stores that do not exist yet; returns how many were added."""
    added = 0
    for code, name, region in DEMO_STORES:
        values = {
            "code": code,
            "name": name,
            "region": region,
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        added += await stores_repo.insert(session, values)
    return added


async def seed_catalogue(session: AsyncSession, now: datetime) -> bool:
    """Service types and the tier table, when the catalogue is empty; True if installed."""
    if await catalogue_repo.list_service_types(session):
        return False
    for code, name, category, margin, weight in SERVICE_TYPES:
        body = ServiceTypeCreate(
            code=code, name=name, category=category, average_margin=margin, points_weight=weight
        )
        await create_service_type(session, body, now)
    tiers = [
        TierIn(code=c, name=n, threshold=t, rebate_rate=r, allowed_services=a) for c, n, t, r, a in TIERS
    ]
    await replace_tier_table(session, TierTableIn(tiers=tiers), "*", now)  # over whatever is there
    return True


async def seed_demo(session: AsyncSession, now: datetime) -> int:
    """Demo members with posted purchases, when there are no members; returns how many."""
    if await customers_repo.search(session, SearchFilters(), 1, None):
        return 0
    ids = []
    for name, kind, phone, email, ref in DEMO_MEMBERS:
        member_body = CustomerCreate(
            name=name, kind=kind, phone=phone, email=email, external_ref=ref, store_id="dealer-01"
        )
        ids.append(
            (await create_customer(session, SEED_PRINCIPAL, member_body, allow_duplicate=False, now=now)).id
        )
    for n, (member, days_ago, lines) in enumerate(DEMO_PURCHASES, start=1):
        body = TransactionCreate(
            customer_id=ids[member],
            store_id="dealer-01",
            external_id=f"DEMO-{n:04d}",
            occurred_at=now - timedelta(days=days_ago),
            lines=[
                TransactionLineIn(service_type=st, amount=D(a), margin=D(m) if m else None)
                for st, a, m in lines
            ],
        )
        await post_purchase(session, SEED_PRINCIPAL, body, now)
    for member in DEMO_SMS_CONSENT:
        await record_decisions(session, SEED_PRINCIPAL, ids[member], {ConsentChannel.sms: True}, "demo", now)
    return len(ids)
