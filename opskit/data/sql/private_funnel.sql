-- private_funnel: the private-domain funnel 入群 → 培育 → 转化 per cohort period of joining.
-- tables: members(user_id, join_time), touches(user_id, touch_time, clicked),
--         conversions(user_id, order_time)
-- rules:
--   A user's cohort is date_trunc($period, join_time) of their first join (later joins ignored).
--   engaged = clicked a touch in [join_time, join_time + $engage_days days); converted = engaged and
--   placed an order of the conversions table in [join_time, join_time + $convert_days days).
--   Only users whose first join is at least $convert_days days before $as_of count (full windows),
--   and only events strictly before $as_of.
WITH first_join AS (
    SELECT user_id, min(join_time) AS join_time FROM members GROUP BY user_id
),
cohort AS (
    SELECT user_id, join_time, date_trunc($period, join_time) AS period
    FROM first_join
    WHERE join_time + INTERVAL 1 DAY * $convert_days <= $as_of
),
engaged AS (
    SELECT DISTINCT c.user_id
    FROM cohort c JOIN touches t ON t.user_id = c.user_id
    WHERE t.clicked = 1 AND t.touch_time >= c.join_time
      AND t.touch_time < c.join_time + INTERVAL 1 DAY * $engage_days AND t.touch_time < $as_of
),
converted AS (
    SELECT DISTINCT c.user_id
    FROM cohort c JOIN conversions o ON o.user_id = c.user_id
    WHERE o.order_time >= c.join_time
      AND o.order_time < c.join_time + INTERVAL 1 DAY * $convert_days AND o.order_time < $as_of
)
SELECT c.period,
       count(*)                                                              AS joined,
       count(e.user_id)                                                      AS engaged,
       sum(CASE WHEN e.user_id IS NOT NULL AND v.user_id IS NOT NULL THEN 1 ELSE 0 END) AS converted
FROM cohort c
LEFT JOIN engaged e ON e.user_id = c.user_id
LEFT JOIN converted v ON v.user_id = c.user_id
GROUP BY c.period
ORDER BY c.period
