-- follower_summary: each 达人 private domain by list owner: orders, followers, GMV and its S2b2C split.
-- tables: follower_orders(kol_id, follower_id, order_time, amount, supplier_amount, commission,
--         platform_fee, account_owner)
-- rules:
--   Only orders with order_time < $as_of count. One row per (kol_id, account_owner).
--   followers = distinct follower_id; a follower on both lists of one 达人 counts on each.
--   Sums are plain sums in yuan, no rounding; first_order/last_order = min/max order_time.
SELECT kol_id,
       account_owner,
       count(*)                    AS orders,
       count(DISTINCT follower_id) AS followers,
       sum(amount)                 AS gmv,
       sum(supplier_amount)        AS supplier_amount,
       sum(commission)             AS commission,
       sum(platform_fee)           AS platform_fee,
       min(order_time)             AS first_order,
       max(order_time)             AS last_order
FROM follower_orders
WHERE order_time < $as_of
GROUP BY kol_id, account_owner
ORDER BY kol_id, account_owner
