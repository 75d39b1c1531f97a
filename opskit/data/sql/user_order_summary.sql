-- user_order_summary: first and last order time, orders and GMV per user with an order before as_of.
-- tables: orders(user_id, order_time, amount)
-- rules: only orders with order_time < $as_of count; orders = rows; gmv = sum(amount), no rounding.
--   Users without a counted order are absent. Sorted by user_id.
SELECT user_id, min(order_time) AS first_order, max(order_time) AS last_order,
       count(*) AS orders, sum(amount) AS gmv
FROM orders
WHERE order_time < CAST($as_of AS TIMESTAMP)
GROUP BY user_id
ORDER BY user_id
