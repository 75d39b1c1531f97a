-- follower_daily: orders and GMV per 达人 private domain per calendar day.
-- tables: follower_orders(kol_id, follower_id, order_time, amount)
-- rules:
--   day = date_trunc('day', order_time) in the time zone the timestamps are stored in.
--   Only orders with order_time < $as_of count; days without orders are absent.
SELECT kol_id,
       date_trunc('day', order_time) AS day,
       count(*)                      AS orders,
       count(DISTINCT follower_id)   AS buyers,
       sum(amount)                   AS gmv
FROM follower_orders
WHERE order_time < $as_of
GROUP BY kol_id, day
ORDER BY kol_id, day
