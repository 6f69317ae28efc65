"""Finance: liability, alerts, settlements, vouchers, profit and loss, reports, expiry."""
