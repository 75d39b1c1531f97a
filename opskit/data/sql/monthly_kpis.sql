-- monthly_kpis: orders, buyers, GMV and first-order figures per calendar month of order_time.
-- tables: orders(user_id, order_time, amount)
-- rules:
--   month = date_trunc('month', order_time), in the time zone the timestamps are stored in.
--   orders = rows; buyers = distinct user_id; gmv = sum(amount), no rounding.
--   A user's first order is the row(s) at their earliest order_time in the table; several rows
--   tied at that timestamp all count as first orders, but the user counts once in new_buyers.
--   first_order_gmv = sum of amount over first-order rows.
WITH first_orders AS (
    SELECT user_id, min(order_time) AS first_time FROM orders GROUP BY user_id
),
tagged AS (
    SELECT o.user_id, o.amount, date_trunc('month', o.order_time) AS month,
           o.order_time = f.first_time AS is_first
    FROM orders o JOIN first_orders f ON o.user_id = f.user_id
)
SELECT month,
       count(*)                                            AS orders,
       count(DISTINCT user_id)                             AS buyers,
       sum(amount)                                         AS gmv,
       count(DISTINCT CASE WHEN is_first THEN user_id END) AS new_buyers,
       sum(CASE WHEN is_first THEN amount ELSE 0 END)      AS first_order_gmv
FROM tagged
GROUP BY month
ORDER BY month
