-- retention_by_channel: new users per acquisition channel and their early retention.
-- tables: users(user_id, register_time, channel_id), orders(user_id, order_time)
-- rules: users = every registered user of the channel; full_window = users registered at least
--   $end_days days (in seconds) before $as_of; retained = full-window users with at least one order
--   whose time since registration t satisfies $start_days days <= t < $end_days days (seconds);
--   orders at or after $as_of are ignored; sorted by channel_id.
WITH hits AS (
    SELECT DISTINCT o.user_id
    FROM orders AS o
    JOIN users AS u ON o.user_id = u.user_id
    WHERE o.order_time < $as_of
      AND date_diff('second', u.register_time, o.order_time) >= $start_days * 86400
      AND date_diff('second', u.register_time, o.order_time) < $end_days * 86400
)
SELECT u.channel_id,
       count(*) AS users,
       count(CASE WHEN date_diff('second', u.register_time, $as_of) >= $end_days * 86400 THEN 1 END) AS full_window,
       count(CASE WHEN date_diff('second', u.register_time, $as_of) >= $end_days * 86400
                   AND h.user_id IS NOT NULL THEN 1 END) AS retained
FROM users AS u
LEFT JOIN hits AS h ON u.user_id = h.user_id
GROUP BY u.channel_id
ORDER BY u.channel_id
