"""Stored phones as E.164 and emails trimmed and lower-cased, as new input is stored.

Earlier versions kept a phone as its digits (`13800138000`, `+8613800138000`), so the same
number could be two members; the duplicate check now compares E.164. A number that does not
parse as a valid phone of `CRM_DEFAULT_PHONE_REGION` (default CN) is left as it was: it is
shown as stored and can be corrected with a PATCH. No schema change; downgrade keeps the
normalised values (they were valid input before too).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import phonenumbers
import sqlalchemy as sa
from alembic import op

from app.settings import get_settings

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

customer = sa.table(
    "customer", sa.column("id", sa.String), sa.column("phone", sa.String), sa.column("email", sa.String)
)


def _e164(phone: str, region: str) -> str:
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return phone
    if not phonenumbers.is_valid_number(number):
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def upgrade() -> None:
    region = get_settings().default_phone_region
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(customer.c.id, customer.c.phone, customer.c.email).where(
            sa.or_(customer.c.phone.is_not(None), customer.c.email.is_not(None))
        )
    ).all()
    changes = []
    for id_, phone, email in rows:
        new_phone = _e164(phone, region) if phone else phone
        new_email = email.strip().lower() if email else email
        if (new_phone, new_email) != (phone, email):
            changes.append({"key": id_, "phone": new_phone, "email": new_email})
    if changes:
        connection.execute(
            customer.update()
            .where(customer.c.id == sa.bindparam("key"))
            .values(phone=sa.bindparam("phone"), email=sa.bindparam("email")),
            changes,
        )


def downgrade() -> None:
    pass
