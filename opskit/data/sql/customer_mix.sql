-- customer_mix: sales of new and existing customers per period, and how far the existing base is penetrated.
-- tables: orders(user_id, order_time, amount)
-- rules:
--   period = date_trunc($period, order_time). An existing (老客) customer in a period is one whose
--   first order (over the whole table) falls in an earlier period; the others buying in the period
--   are new. old_sales / new_sales = sum(amount) of each; old_buyers = distinct existing customers
--   buying in the period; old_base = customers whose first order is in an earlier period
--   (a running count of first orders). Sorted by period.
WITH firsts AS (
    SELECT user_id, date_trunc($period, min(order_time)) AS first_period FROM orders GROUP BY user_id
),
tagged AS (
    SELECT date_trunc($period, o.order_time) AS period, o.user_id, o.amount,
           f.first_period < date_trunc($period, o.order_time) AS is_old
    FROM orders o JOIN firsts f ON o.user_id = f.user_id
),
sales AS (
    SELECT period,
           sum(CASE WHEN is_old THEN amount ELSE 0 END)      AS old_sales,
           sum(CASE WHEN is_old THEN 0 ELSE amount END)      AS new_sales,
           count(DISTINCT CASE WHEN is_old THEN user_id END) AS old_buyers
    FROM tagged GROUP BY period
),
cohorts AS (SELECT first_period AS period, count(*) AS new_customers FROM firsts GROUP BY first_period)
SELECT s.period, s.old_sales, s.new_sales, s.old_buyers,
       sum(coalesce(c.new_customers, 0)) OVER (ORDER BY s.period ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
         - coalesce(c.new_customers, 0) AS old_base
FROM sales s LEFT JOIN cohorts c ON s.period = c.period
ORDER BY s.period
