-- returned_after_register: users per registration period and those who came back in a window of days.
-- tables: users(user_id, register_time), events(user_id, event_time, event_type), kinds(event_type),
--   orders(user_id, order_time)
-- rules:
--   Only users with register_time < $register_before count (the caller sets it so that every counted
--   registration period has its full window observed). A user came back with an event whose type is
--   listed in kinds, or with an order, at $from_days days <= time - register_time < $to_days days
--   (days of 86,400 s, times as stored). period = date_trunc($period, register_time) (weeks start on
--   Monday); users = registrations, returned = those who came back. Sorted by period.
WITH c AS (
    SELECT user_id, register_time FROM users WHERE register_time < CAST($register_before AS TIMESTAMP)
),
acts AS (
    SELECT e.user_id, e.event_time AS t FROM events e JOIN kinds k ON k.event_type = e.event_type
    UNION ALL
    SELECT user_id, order_time AS t FROM orders
),
back AS (
    SELECT DISTINCT c.user_id
    FROM c JOIN acts a ON a.user_id = c.user_id
    WHERE date_diff('microsecond', c.register_time, a.t) >= $from_days * 86400000000
      AND date_diff('microsecond', c.register_time, a.t) < $to_days * 86400000000
)
SELECT date_trunc($period, c.register_time) AS period, count(*) AS users, count(b.user_id) AS returned
FROM c LEFT JOIN back b ON b.user_id = c.user_id
GROUP BY date_trunc($period, c.register_time)
ORDER BY period
