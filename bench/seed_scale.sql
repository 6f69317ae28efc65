-- Size check (psql -v members=1000000 -v entries=10 -f seed_scale.sql, after seed.sql with the
-- same members): `entries` earned ledger entries per bench member, numbered 1..entries, and each
-- member's ledger_seq moved past them, so new postings append after. Plain SQL, not the API.
\set ON_ERROR_STOP on
INSERT INTO ledger_entry (id, customer_id, entry_no, kind, points, balance_after, lifetime_after,
                          counts_toward_tier, profit_points, consumption_points, x, rebate, tier_before,
                          tier_after, created_at)
SELECT format('led_S%s%s', lpad(m::text, 9, '0'), lpad(k::text, 12, '0')), format('cus_B%s', lpad(m::text, 21, '0')),
       k, 'earn', 1000, 1000 * k, 1000 * k, true, 700, 2000, 8000, 0, 'standard', 'standard',
       now() - interval '1 hour' * (:entries - k)
FROM generate_series(1, :members) m, generate_series(1, :entries) k;
UPDATE customer SET ledger_seq = ledger_seq + :entries WHERE id <= format('cus_B%s', lpad(:members::text, 21, '0'));
VACUUM ANALYZE;
