-- early_events: each user's events of each type in the first $days days after registering, and the
-- number of distinct categories they touched then (the behaviour a DMP or an ad platform sees early).
-- tables: users(user_id, register_time), events(user_id, event_time, event_type, category_id)
-- rules:
--   Window = [register_time, register_time + $days days); events outside it or of users absent from
--   users are ignored. One row per (user, event_type) with at least one event (long format; users
--   without events are absent), plus rows with event_type = '__categories__' whose n is the number of
--   distinct non-null category_id over all the user's events in the window.
WITH e AS (
    SELECT e.user_id, e.event_type, e.category_id
    FROM events e JOIN users u ON u.user_id = e.user_id
    WHERE e.event_time >= u.register_time AND e.event_time < u.register_time + INTERVAL 1 DAY * $days
)
SELECT user_id, event_type, count(*) AS n FROM e GROUP BY user_id, event_type
UNION ALL
SELECT user_id, '__categories__' AS event_type, count(DISTINCT category_id) AS n
FROM e WHERE category_id IS NOT NULL GROUP BY user_id
ORDER BY user_id, event_type
