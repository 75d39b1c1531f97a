-- channel_revenue_days: revenue of each acquisition channel's users by whole day of age.
-- tables: users(user_id, channel_id, register_time), orders(user_id, order_time, amount)
-- rules:
--   age = order_time - register_time of the buyer, in days of 86,400 s; day = floor(age). Orders with
--   0 <= age < $horizon_days count; orders of users absent from users are ignored. amount = sum(amount)
--   per (channel_id, day), no rounding; a missing channel is its own NULL group. Sorted by channel_id, day.
WITH aged AS (
    SELECT u.channel_id, o.amount,
           date_diff('microsecond', u.register_time, o.order_time) AS us
    FROM orders o JOIN users u ON u.user_id = o.user_id
)
SELECT channel_id, CAST(floor(us / 86400000000) AS BIGINT) AS day, sum(amount) AS amount
FROM aged
WHERE us >= 0 AND us < $horizon_days * 86400000000
GROUP BY channel_id, CAST(floor(us / 86400000000) AS BIGINT)
ORDER BY channel_id, day
