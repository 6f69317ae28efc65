"""Finance: liability, alerts, settlements and vouchers."""
