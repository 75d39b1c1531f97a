-- recruit_order_ages: the age (days since the 达人 joined) of every private-domain order of 达人 who
-- joined on or after $since, up to the day they left.
-- tables: follower_orders(kol_id, order_time); kol_roster(kol_id, join_date, leave_date)
-- rules:
--   Only 达人 with join_date >= $since (joined inside the data, so their ramp is observed from day 0).
--   age_days = seconds from join_date (midnight) to order_time / 86400, a fraction of a day.
--   Orders at or after leave_date, or at or after $as_of, are dropped: the ramp is measured while
--   the 达人 is in the matrix. Orders before join_date (data errors) are dropped too.
SELECT o.kol_id,
       date_diff('second', CAST(r.join_date AS TIMESTAMP), o.order_time) / 86400.0 AS age_days
FROM follower_orders o
JOIN kol_roster r ON o.kol_id = r.kol_id
WHERE r.join_date >= $since
  AND o.order_time >= CAST(r.join_date AS TIMESTAMP)
  AND o.order_time < $as_of
  AND (r.leave_date IS NULL OR o.order_time < CAST(r.leave_date AS TIMESTAMP))
ORDER BY o.kol_id, age_days
