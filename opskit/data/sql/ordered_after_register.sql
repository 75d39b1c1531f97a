-- ordered_after_register: users who ordered in a window of days after registering.
-- tables: users(user_id, register_time), orders(user_id, order_time)
-- rules:
--   Only users with register_time + $end_days days <= $as_of count (a full window before the cut-off).
--   A user is listed when they have an order with register_time + $start_days days <= order_time
--   < register_time + $end_days days (days of 86,400 s, times as stored). One row per listed user.
SELECT DISTINCT u.user_id
FROM users u JOIN orders o ON o.user_id = u.user_id
WHERE date_diff('microsecond', u.register_time, CAST($as_of AS TIMESTAMP)) >= $end_days * 86400000000
  AND date_diff('microsecond', u.register_time, o.order_time) >= $start_days * 86400000000
  AND date_diff('microsecond', u.register_time, o.order_time) < $end_days * 86400000000
