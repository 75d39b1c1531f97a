-- order_habits: when each customer orders: day-of-week and time-of-day shares, from orders in a window.
-- tables: orders(user_id, order_time)
-- rules:
--   Only orders with $window_start <= order_time < $as_of count.
--   weekend_share = share of orders on Saturday or Sunday (days counted from Monday 2024-01-01, so the
--   weekday does not depend on a dialect's day-of-week convention).
--   Time of day by the hour of order_time, as the daypart of segment_needs: morning_share [5, 10),
--   midday_share [10, 14), afternoon_share [14, 18), evening_share [18, 22), night_share otherwise.
--   orders = count of orders. Customers with fewer than $min_orders orders are left out. Sorted by user_id.
WITH o AS (
    SELECT user_id, hour(order_time) AS hr,
           ((date_diff('day', CAST('2024-01-01' AS DATE), CAST(order_time AS DATE)) % 7) + 7) % 7 AS dow
    FROM orders
    WHERE order_time >= CAST($window_start AS TIMESTAMP) AND order_time < CAST($as_of AS TIMESTAMP)
)
SELECT user_id,
       count(*) AS orders,
       avg(CASE WHEN dow >= 5 THEN 1.0 ELSE 0.0 END) AS weekend_share,
       avg(CASE WHEN hr >= 5 AND hr < 10 THEN 1.0 ELSE 0.0 END) AS morning_share,
       avg(CASE WHEN hr >= 10 AND hr < 14 THEN 1.0 ELSE 0.0 END) AS midday_share,
       avg(CASE WHEN hr >= 14 AND hr < 18 THEN 1.0 ELSE 0.0 END) AS afternoon_share,
       avg(CASE WHEN hr >= 18 AND hr < 22 THEN 1.0 ELSE 0.0 END) AS evening_share,
       avg(CASE WHEN hr >= 22 OR hr < 5 THEN 1.0 ELSE 0.0 END) AS night_share
FROM o
GROUP BY user_id
HAVING count(*) >= $min_orders
ORDER BY user_id
