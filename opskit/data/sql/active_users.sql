-- active_users: distinct active users per calendar period.
-- tables: events(user_id, event_time, event_type)
-- rules:
--   period = date_trunc($period, event_time) (weeks start on Monday), in the time zone the timestamps
--   are stored in. A user is active in a period with an event of type $event_type in it ($event_type
--   NULL: any event). active_users = distinct user_id; periods without an active user are absent.
SELECT date_trunc($period, event_time) AS period, count(DISTINCT user_id) AS active_users
FROM events
WHERE $event_type IS NULL OR event_type = $event_type
GROUP BY date_trunc($period, event_time)
ORDER BY period
