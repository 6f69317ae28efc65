"""Core table handles for statements on hot paths (no ORM identity-map overhead)."""

from __future__ import annotations

from app.models import metadata

api_key = metadata.tables["api_key"]
customer = metadata.tables["customer"]
idempotency_record = metadata.tables["idempotency_record"]
ledger_entry = metadata.tables["ledger_entry"]
points_settings = metadata.tables["points_settings"]
points_settings_change = metadata.tables["points_settings_change"]
purchase = metadata.tables["purchase"]
purchase_line = metadata.tables["purchase_line"]
refund = metadata.tables["refund"]
service_type = metadata.tables["service_type"]
tier = metadata.tables["tier"]
activity = metadata.tables["activity"]
contact = metadata.tables["contact"]
maintenance_record = metadata.tables["maintenance_record"]
mileage_reading = metadata.tables["mileage_reading"]
ticket = metadata.tables["ticket"]
ticket_task = metadata.tables["ticket_task"]
vehicle = metadata.tables["vehicle"]
