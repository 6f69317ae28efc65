"""Staff users: who works with the API, in which role and store; API keys can act as one."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, StrictBool
from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime
from app.models.text import Email, Label, Name, StoreId
from app.models.types import Money, RequestModel, not_null


class Role(StrEnum):
    admin = "admin"
    manager = "manager"
    staff = "staff"


class User(SQLModel, table=True):
    __tablename__ = "staff_user"  # "user" is reserved in PostgreSQL

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))
    role: str = Field(max_length=16)
    store_id: str | None = Field(default=None, max_length=64)
    rep_code: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class UserCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Li Wei", "email": "li.wei@dealer.example", "role": "staff", "store_id": "dealer-01"}
            ]
        },
    )

    name: Name
    email: Email
    role: Role
    store_id: StoreId | None = Field(
        default=None, description="Required for managers and staff; an admin's is informational."
    )
    rep_code: Label | None = Field(
        default=None,
        description="The value members' `sales_rep` holds for this user (default: the user's id); "
        "give an existing code to take over the members already assigned to it.",
    )


class UserUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "manager"}]})

    name: Name = not_null()
    role: Role = not_null()
    store_id: StoreId | None = None
    active: StrictBool = not_null("An inactive user's keys answer 401 until it is active again.")


class UserPublic(SQLModel):
    id: str
    name: str
    email: str
    role: Role
    store_id: str | None
    rep_code: str
    active: bool
    created_at: datetime
    updated_at: datetime


class UserPage(SQLModel):
    items: list[UserPublic]
    next_cursor: str | None


class SalesRepRow(SQLModel):
    sales_rep: str | None = Field(description="The members' `sales_rep`; null for unassigned members.")
    user_id: str | None = Field(description="The user whose rep code this is, if any.")
    name: str | None
    members: int = Field(description="Live members assigned now.")
    purchases: int = Field(description="Purchases posted in the period.")
    spend: Money = Field(description="Paid, less refunds.")
    profit: Money = Field(description="List profit less rebates, in proportion to what was not refunded.")
    activities: int = Field(description="Contact activities in the period.")
    open_tickets: int = Field(description="Tickets not closed, now.")


class SalesRepReport(SQLModel):
    start: date
    end: date
    rows: list[SalesRepRow]
