-- tenure_spend: each customer's orders and spend per month of tenure (months since their first order).
-- tables: orders(user_id, order_time, amount)
-- rules:
--   first order = the user's earliest order_time in the table (all history, whatever the window).
--   tenure_month = whole calendar months between the month of the first order and the month of the
--   order (date_diff('month', ...) on date_trunc('month', ...) values; the first month is 0).
--   Only orders before $as_of count. orders = rows, spend = sum(amount). Sorted by user_id, tenure_month.
WITH firsts AS (SELECT user_id, min(order_time) AS first_time FROM orders GROUP BY user_id)
SELECT o.user_id,
       date_diff('month', date_trunc('month', f.first_time), date_trunc('month', o.order_time)) AS tenure_month,
       count(*)      AS orders,
       sum(o.amount) AS spend
FROM orders o JOIN firsts f ON o.user_id = f.user_id
WHERE o.order_time < $as_of
GROUP BY o.user_id, tenure_month
ORDER BY o.user_id, tenure_month
