"""API keys and idempotency: how other systems reach the product safely."""
