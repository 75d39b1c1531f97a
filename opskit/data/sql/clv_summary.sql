-- clv_summary: per-customer repeat frequency, recency, age T and mean repeat spend (BG/NBD, Gamma-Gamma).
-- tables: orders(user_id, order_time, amount)
-- rules:
--   Only orders with order_time < $as_of count (exclusive cut-off).
--   A purchase is a (user_id, period) pair with period = date_trunc($period, order_time): orders of a
--   customer in the same period merge into one purchase whose amount is their sum (the published
--   CDNOW convention, one purchase per day; the lifetimes package does the same).
--   frequency = purchases - 1 (the first purchase is not a repeat).
--   recency = date_diff($diff_unit, first period, last period) / $divisor (0 when frequency = 0).
--   T = date_diff($diff_unit, first period, last observed period) / $divisor, where the last observed
--   period is the one holding the last instant before $as_of.
--   monetary = mean amount of the repeat purchases (the first purchase excluded; 0 when frequency = 0).
--   Weeks start on Monday; timestamps are read in the time zone they are stored in. One row per user.
WITH purchases AS (
    SELECT user_id, date_trunc($period, order_time) AS p, sum(amount) AS amount
    FROM orders
    WHERE order_time < CAST($as_of AS TIMESTAMP)
    GROUP BY user_id, date_trunc($period, order_time)
),
per_user AS (
    SELECT user_id, count(*) - 1 AS frequency, min(p) AS first_p, max(p) AS last_p,
           sum(amount) AS total, arg_min(amount, p) AS first_amount
    FROM purchases
    GROUP BY user_id
)
SELECT user_id,
       frequency,
       date_diff($diff_unit, first_p, last_p) / $divisor AS recency,
       date_diff($diff_unit, first_p,
                 date_trunc($period, CAST($as_of AS TIMESTAMP) - INTERVAL 1 MICROSECOND)) / $divisor AS "T",
       CASE WHEN frequency > 0 THEN (total - first_amount) / frequency ELSE 0 END AS monetary
FROM per_user
ORDER BY user_id
