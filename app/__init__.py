"""Profit-aware loyalty and customer-management API."""
