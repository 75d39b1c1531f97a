-- churn_order_features: order features per customer alive at a snapshot, from orders before it.
-- tables: orders(user_id, order_time, amount)
-- rules:
--   Only orders with order_time < $as_of count (the snapshot; nothing at or after it is read).
--   age = (as_of - order_time) in days, to the second. recency_days = min(age); tenure_days = max(age).
--   orders_30d/60d/90d count ages in (0, 30], (0, 60], (0, 90]; orders_prev30d ages in (30, 60].
--   order_trend = (orders_30d + 1) / (orders_prev30d + 1); amount_90d = sum(amount) over ages <= 90 (0 if none).
--   ipt_ratio = recency_days / mean inter-purchase time = recency / ((tenure - recency) / (orders - 1));
--   NULL with one order (division by zero is NULL).
--   Population: customers alive at the snapshot, recency_days <= $alive_days. Sorted by user_id.
WITH o AS (
    SELECT user_id, date_diff('second', order_time, CAST($as_of AS TIMESTAMP)) / 86400.0 AS age, amount
    FROM orders WHERE order_time < CAST($as_of AS TIMESTAMP)
), per_user AS (
    SELECT user_id,
           min(age) AS recency_days,
           max(age) AS tenure_days,
           count(*) AS orders_total,
           count(CASE WHEN age <= 30 THEN 1 END) AS orders_30d,
           count(CASE WHEN age > 30 AND age <= 60 THEN 1 END) AS orders_prev30d,
           count(CASE WHEN age <= 60 THEN 1 END) AS orders_60d,
           count(CASE WHEN age <= 90 THEN 1 END) AS orders_90d,
           coalesce(sum(CASE WHEN age <= 90 THEN amount END), 0) AS amount_90d
    FROM o GROUP BY user_id
)
SELECT user_id, recency_days, orders_30d, orders_60d, orders_90d,
       (orders_30d + 1.0) / (orders_prev30d + 1.0) AS order_trend,
       amount_90d, tenure_days,
       recency_days / ((tenure_days - recency_days) / nullif(orders_total - 1, 0)) AS ipt_ratio,
       orders_total
FROM per_user
WHERE recency_days <= $alive_days
ORDER BY user_id
