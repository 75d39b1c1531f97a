-- user_event_counts: number of events per user.
-- tables: events(user_id)
-- rules: events = rows per user_id (every event type, every time); users without events are absent.
SELECT user_id, count(*) AS events FROM events GROUP BY user_id
