-- Bench data for the product's database (psql -v members=100000 -v history=10000 -f seed.sql).
-- Members cus_B000…1 .. N with lifetime points spread over every tier; member N+1 has `history`
-- prior purchases and member N+2 has 10, each with a consistent ledger, for the history test.
\set ON_ERROR_STOP on
TRUNCATE purchase_line, refund, purchase, ledger_entry, idempotency_record, customer CASCADE;

INSERT INTO customer (id, name, kind, phase, status, relationship, tags, tier, balance, lifetime_points,
                      lifetime_profit_points, lifetime_consumption_points, purchase_count, ledger_seq,
                      created_at, updated_at)
SELECT format('cus_B%s', lpad(n::text, 21, '0')), 'Bench ' || n, 'person', 'maintenance', 'active', 'customer',
       '[]', CASE WHEN p >= 5000000 THEN 'platinum' WHEN p >= 2000000 THEN 'gold'
                  WHEN p >= 500000 THEN 'silver' ELSE 'standard' END,
       p, p, 0, 0, 0, 0, now(), now()
FROM (SELECT n, (random() * 6000000)::bigint AS p FROM generate_series(1, :members + 2) n) s;

-- history: one earned purchase per prior visit (1,000.00 maintenance, 480.00 points)
CREATE TEMP TABLE hist AS
SELECT format('cus_B%s', lpad(m::text, 21, '0')) AS cid, k
FROM (VALUES (:members + 1, :history), (:members + 2, 10)) v(m, h), generate_series(1, h) k;

INSERT INTO purchase (id, customer_id, store_id, external_id, occurred_at, created_at, phase, x, rebate_rate,
                      tier_before, tier_after, amount, rebate, payable, profit_points, consumption_points,
                      points, balance_after, lifetime_after, refunded_amount, reversed_points, earn_entry_id,
                      updated_at)
SELECT format('txn_H%s%s', right(cid, 4), lpad(k::text, 17, '0')), cid, 'history', cid || '-' || k,
       now() - interval '1 day' * k, now(), 'maintenance', 8000, 0, 'standard', 'standard',
       100000, 0, 100000, 35000, 100000, 48000, 48000 * k, 48000 * k, 0, 0,
       format('led_H%s%s', right(cid, 4), lpad(k::text, 17, '0')), now()
FROM hist;
INSERT INTO purchase_line (purchase_id, line_no, service_type, amount, margin, weight, list_profit, rebate, paid,
                           profit_points, consumption_points, refunded_amount, reversed_profit_points,
                           reversed_consumption_points)
SELECT format('txn_H%s%s', right(cid, 4), lpad(k::text, 17, '0')), 1, 'maintenance', 100000, 3500, 10000,
       35000, 0, 100000, 35000, 100000, 0, 0, 0
FROM hist;
INSERT INTO ledger_entry (id, customer_id, entry_no, kind, points, balance_after, lifetime_after,
                          counts_toward_tier, profit_points, consumption_points, x, rebate, tier_before,
                          tier_after, transaction_id, created_at)
SELECT format('led_H%s%s', right(cid, 4), lpad(k::text, 17, '0')), cid, k, 'earn', 48000, 48000 * k, 48000 * k,
       true, 35000, 100000, 8000, 0, 'standard', 'standard', format('txn_H%s%s', right(cid, 4), lpad(k::text, 17, '0')),
       now()
FROM hist;
UPDATE customer c SET balance = h.n * 48000, lifetime_points = h.n * 48000, lifetime_profit_points = h.n * 35000,
       lifetime_consumption_points = h.n * 100000, purchase_count = h.n, ledger_seq = h.n,
       last_purchase_at = now() - interval '1 day'
FROM (SELECT cid, count(*) AS n FROM hist GROUP BY cid) h WHERE c.id = h.cid;

UPDATE customer SET tier = CASE WHEN lifetime_points >= 5000000 THEN 'platinum'
    WHEN lifetime_points >= 2000000 THEN 'gold' WHEN lifetime_points >= 500000 THEN 'silver' ELSE 'standard' END;

VACUUM ANALYZE;
