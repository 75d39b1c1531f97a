-- private_member_steps: each private-domain member's way through 入群 → 互动 (培育) → 成交 (转化),
-- and what they bought afterwards: the per-member rows behind the funnel of one target segment.
-- tables: members(user_id, join_time), touches(user_id, touch_time, clicked),
--         conversions(user_id, order_time, amount)
-- rules:
--   A user's first join counts (later joins ignored); only users whose first join is at least
--   $convert_days days before $as_of (full windows), and only events strictly before $as_of.
--   engaged = clicked a touch in [join_time, join_time + $engage_days days); converted = engaged and
--   placed an order of the conversions table in [join_time, join_time + $convert_days days).
--   value_orders / value_amount = orders and amount of the conversions table in
--   [join_time, join_time + $value_days days); full_value = that window ends before $as_of.
WITH first_join AS (
    SELECT user_id, min(join_time) AS join_time FROM members GROUP BY user_id
),
cohort AS (
    SELECT user_id, join_time FROM first_join
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
),
value AS (
    SELECT c.user_id, count(*) AS value_orders, sum(o.amount) AS value_amount
    FROM cohort c JOIN conversions o ON o.user_id = c.user_id
    WHERE o.order_time >= c.join_time
      AND o.order_time < c.join_time + INTERVAL 1 DAY * $value_days AND o.order_time < $as_of
    GROUP BY c.user_id
)
SELECT c.user_id,
       c.join_time,
       CASE WHEN e.user_id IS NOT NULL THEN 1 ELSE 0 END                             AS engaged,
       CASE WHEN e.user_id IS NOT NULL AND v.user_id IS NOT NULL THEN 1 ELSE 0 END    AS converted,
       coalesce(x.value_orders, 0)                                                   AS value_orders,
       coalesce(x.value_amount, 0.0)                                                 AS value_amount,
       CASE WHEN c.join_time + INTERVAL 1 DAY * $value_days <= $as_of THEN 1 ELSE 0 END AS full_value
FROM cohort c
LEFT JOIN engaged e ON e.user_id = c.user_id
LEFT JOIN converted v ON v.user_id = c.user_id
LEFT JOIN value x ON x.user_id = c.user_id
ORDER BY c.user_id
