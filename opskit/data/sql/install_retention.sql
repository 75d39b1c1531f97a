-- install_retention: per channel, installs old enough to judge and those whose user ordered later.
-- tables: installs(channel_id, user_id, install_time), orders(user_id, order_time)
-- rules:
--   Old enough: install_time <= $as_of - ($retention_day + $retention_window) days (86,400 s each).
--   Retained: the install's user_id (non-NULL) has an order with $retention_day days <= order_time -
--   install_time < ($retention_day + $retention_window) days, measured from this install. A user whose
--   order counts for any of their installs counts as retained on all of them (retention is by user).
--   Installs without a user_id (never registered) count as not retained. Sorted by channel_id.
WITH old AS (
    SELECT channel_id, user_id, install_time
    FROM installs
    WHERE date_diff('microsecond', install_time, CAST($as_of AS TIMESTAMP))
          >= ($retention_day + $retention_window) * 86400000000
),
kept AS (
    SELECT DISTINCT o.user_id
    FROM old JOIN orders o ON o.user_id = old.user_id
    WHERE date_diff('microsecond', old.install_time, o.order_time) >= $retention_day * 86400000000
      AND date_diff('microsecond', old.install_time, o.order_time)
          < ($retention_day + $retention_window) * 86400000000
)
SELECT old.channel_id, count(*) AS installs, count(k.user_id) AS retained
FROM old LEFT JOIN kept k ON k.user_id = old.user_id
GROUP BY old.channel_id
ORDER BY old.channel_id
