-- churn_event_features: app-activity features per user at a snapshot, from events of the year before it.
-- tables: events(user_id, event_time)
-- rules:
--   Only events with as_of - 365 days <= event_time < $as_of count.
--   age = (as_of - event_time) in days, to the second. events_30d counts ages <= 30;
--   event_trend = (events with age <= 30 + 1) / (events with 30 < age <= 60 + 1);
--   engagement_ewma = sum of exp(-ln 2 * age / $half_life) (half-life in days). Users without events are absent.
SELECT user_id,
       count(CASE WHEN age <= 30 THEN 1 END) AS events_30d,
       (count(CASE WHEN age <= 30 THEN 1 END) + 1.0)
           / (count(CASE WHEN age > 30 AND age <= 60 THEN 1 END) + 1.0) AS event_trend,
       sum(exp(-ln(2) * age / $half_life)) AS engagement_ewma
FROM (SELECT user_id, date_diff('second', event_time, CAST($as_of AS TIMESTAMP)) / 86400.0 AS age
      FROM events
      WHERE event_time < CAST($as_of AS TIMESTAMP)
        AND event_time >= CAST($as_of AS TIMESTAMP) - INTERVAL 365 DAY)
GROUP BY user_id
