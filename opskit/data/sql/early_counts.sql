-- early_counts: each new user's events of each candidate type in their first $days days.
-- tables: users(user_id, register_time), events(user_id, event_time, event_type), types(event_type)
-- rules:
--   Window = [register_time, register_time + $days days) (86,400 s each), times as stored.
--   Only events whose type is in types count; events of users absent from users are ignored.
--   One row per (user, event_type) with at least one counted event (long format; zeros are absent).
SELECT e.user_id, e.event_type, count(*) AS n
FROM events e
JOIN users u ON u.user_id = e.user_id
WHERE e.event_type IN (SELECT event_type FROM types)
  AND e.event_time >= u.register_time
  AND date_diff('microsecond', u.register_time, e.event_time) < $days * 86400000000
GROUP BY e.user_id, e.event_type
