-- homepage_item_daily: per item and day, impressions, position-weighted ("examined") impressions and clicks.
-- tables: log(date, position, item, impressions, clicks); theta(position, theta)
-- rules:
--   day = date_trunc('day', date). examined = sum(impressions * theta of the row's position);
--   rows whose position has no theta are left out. age_days = date_diff('day', first day the item
--   appears in the input, day), 0 on its first day. Ordered by item (text order), then day.
WITH rows AS (
    SELECT l.item, date_trunc('day', l.date) AS day, l.impressions, l.clicks, t.theta
    FROM log l
    JOIN theta t ON t.position = l.position
),
daily AS (
    SELECT item, day, sum(impressions) AS impressions, sum(impressions * theta) AS examined,
           sum(clicks) AS clicks
    FROM rows
    GROUP BY item, day
)
SELECT item, day AS date, impressions, examined, clicks,
       date_diff('day', min(day) OVER (PARTITION BY item), day) AS age_days
FROM daily
ORDER BY item, day
