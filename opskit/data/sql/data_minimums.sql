-- data_minimums: how much order history a table holds before the analysis date, to decide whether
-- a section that needs a minimum of data can run (opskit.course.minimums).
-- tables: orders(user_id, order_time, amount)
-- rules:
--   Only rows with order_time < $as_of count (as_of is an exclusive cut-off).
--   months = calendar months from the first to the last counted order, both included.
--   buyers = distinct user_id; repeat_buyers = users who ordered on at least two different days
--   (same-day orders are one purchase, as in the published BG/NBD convention);
--   positive_buyers = users whose summed amount is > 0; positive_repeat_buyers = both.
WITH counted AS (
    SELECT user_id, order_time, amount FROM orders WHERE order_time < $as_of
),
per_user AS (
    SELECT user_id, count(DISTINCT CAST(order_time AS DATE)) AS days, sum(amount) AS spend
    FROM counted GROUP BY user_id
)
SELECT (SELECT count(*) FROM counted)                                    AS rows,
       (SELECT CASE WHEN count(*) = 0 THEN 0 ELSE
               (date_part('year', max(order_time)) - date_part('year', min(order_time))) * 12
               + date_part('month', max(order_time)) - date_part('month', min(order_time)) + 1 END
        FROM counted)                                                    AS months,
       count(*)                                                          AS buyers,
       count(CASE WHEN days >= 2 THEN 1 END)                             AS repeat_buyers,
       count(CASE WHEN spend > 0 THEN 1 END)                             AS positive_buyers,
       count(CASE WHEN days >= 2 AND spend > 0 THEN 1 END)               AS positive_repeat_buyers
FROM per_user
