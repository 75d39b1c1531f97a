-- first_order_days: new users' first orders by whole days after registering.
-- tables: users(user_id, register_time), orders(user_id, order_time)
-- rules:
--   Only users with register_time + $max_days days <= $as_of count. A user's first order is their
--   earliest order_time in the table (any time). day = floor((first order - register_time) in days of
--   86,400 s), counted when 0 <= (first order - register_time) <= $max_days days. One row per day with
--   at least one first order (first_orders = users), sorted by day.
WITH firsts AS (
    SELECT u.user_id, date_diff('microsecond', u.register_time, min(o.order_time)) AS us
    FROM users u JOIN orders o ON o.user_id = u.user_id
    WHERE date_diff('microsecond', u.register_time, CAST($as_of AS TIMESTAMP)) >= $max_days * 86400000000
    GROUP BY u.user_id, u.register_time
)
SELECT CAST(floor(us / 86400000000) AS BIGINT) AS day, count(*) AS first_orders
FROM firsts
WHERE us >= 0 AND us <= $max_days * 86400000000
GROUP BY CAST(floor(us / 86400000000) AS BIGINT)
ORDER BY day
