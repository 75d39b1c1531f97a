-- daily_sales: orders and GMV per calendar day of order_time.
-- tables: orders(order_time, amount)
-- rules: date = date_trunc('day', order_time) in the time zone the timestamps are stored in;
--   orders = rows (a table without order_id has one order per row); gmv = sum(amount), no rounding.
--   Days without orders are absent. Ordered by date.
SELECT date_trunc('day', order_time) AS date, count(*) AS orders, sum(amount) AS gmv
FROM orders
GROUP BY date_trunc('day', order_time)
ORDER BY date
