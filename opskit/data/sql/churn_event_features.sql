-- churn_event_features: app-activity features per user at a snapshot, from events of the year before it.
-- tables: events(user_id, event_time, event_type)
-- rules:
--   Only events with as_of - 365 days <= event_time < $as_of count.
--   age = (as_of - event_time) in days, to the second. events_30d counts ages <= 30 (complaints excluded:
--   they are not app activity); event_trend = (activity events with age <= 30 + 1) / (those with
--   30 < age <= 60 + 1); engagement_ewma = sum of exp(-ln 2 * age / $half_life) over activity events
--   (half-life in days); complaints_90d counts event_type = 'complaint' with age <= 90.
--   Users without events are absent.
SELECT user_id,
       count(CASE WHEN active AND age <= 30 THEN 1 END) AS events_30d,
       (count(CASE WHEN active AND age <= 30 THEN 1 END) + 1.0)
           / (count(CASE WHEN active AND age > 30 AND age <= 60 THEN 1 END) + 1.0) AS event_trend,
       coalesce(sum(CASE WHEN active THEN exp(-ln(2) * age / $half_life) END), 0) AS engagement_ewma,
       count(CASE WHEN NOT active AND age <= 90 THEN 1 END) AS complaints_90d
FROM (SELECT user_id, date_diff('second', event_time, CAST($as_of AS TIMESTAMP)) / 86400.0 AS age,
             event_type <> 'complaint' AS active
      FROM events
      WHERE event_time < CAST($as_of AS TIMESTAMP)
        AND event_time >= CAST($as_of AS TIMESTAMP) - INTERVAL 365 DAY)
GROUP BY user_id
