"""Members, purchases, points, tiers and the service catalogue."""
