"""Core table handles for statements on hot paths (no ORM identity-map overhead)."""

from __future__ import annotations

from app.models import metadata

api_key = metadata.tables["api_key"]
customer = metadata.tables["customer"]
idempotency_record = metadata.tables["idempotency_record"]
ledger_entry = metadata.tables["ledger_entry"]
member_token = metadata.tables["member_token"]
points_lot = metadata.tables["points_lot"]
points_settings = metadata.tables["points_settings"]
points_settings_change = metadata.tables["points_settings_change"]
purchase = metadata.tables["purchase"]
purchase_line = metadata.tables["purchase_line"]
refund = metadata.tables["refund"]
service_type = metadata.tables["service_type"]
store = metadata.tables["store"]
tier = metadata.tables["tier"]
alert = metadata.tables["alert"]
finance_settings = metadata.tables["finance_settings"]
job = metadata.tables["job"]
liability_state = metadata.tables["liability_state"]
liability_stripe = metadata.tables["liability_stripe"]
settlement = metadata.tables["settlement"]
settlement_event = metadata.tables["settlement_event"]
settlement_item = metadata.tables["settlement_item"]
voucher = metadata.tables["voucher"]
