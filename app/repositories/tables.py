"""Core table handles for statements on hot paths (no ORM identity-map overhead)."""

from __future__ import annotations

from app.models import metadata

api_key = metadata.tables["api_key"]
catalogue_change = metadata.tables["catalogue_change"]
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
