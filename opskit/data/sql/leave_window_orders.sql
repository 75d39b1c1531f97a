-- leave_window_orders: private-domain orders of departed 达人 in the days just before and after they
-- left, by list owner.
-- tables: follower_orders(kol_id, order_time, account_owner); departures(kol_id, leave_time)
-- rules:
--   departures holds the 达人 to compare (the caller keeps those with a full window on both sides).
--   before = orders with leave_time − $window_days days <= order_time < leave_time;
--   after  = orders with leave_time <= order_time < leave_time + $window_days days (86,400 s a day).
--   One row per account_owner; counts, no rounding.
SELECT o.account_owner,
       sum(CASE WHEN date_diff('second', o.order_time, d.leave_time) > 0
                 AND date_diff('second', o.order_time, d.leave_time) <= $window_days * 86400 THEN 1 ELSE 0 END) AS before,
       sum(CASE WHEN date_diff('second', d.leave_time, o.order_time) >= 0
                 AND date_diff('second', d.leave_time, o.order_time) < $window_days * 86400 THEN 1 ELSE 0 END) AS after
FROM follower_orders o
JOIN departures d ON o.kol_id = d.kol_id
GROUP BY o.account_owner
ORDER BY o.account_owner
