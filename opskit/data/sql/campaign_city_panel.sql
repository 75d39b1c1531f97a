-- campaign_city_panel: a city x day panel around one campaign, with the difference-in-differences flags.
-- tables: city_daily(date, city_id, orders, gmv); campaigns(campaign_id, start_date, end_date);
--         campaign_cities(campaign_id, city_id)
-- rules:
--   Days from $pre_days before start_date to $post_days after end_date, both ends inclusive
--   (rel_day = date_diff('day', start_date, date), 0 on the first campaign day).
--   Several rows of one city and day are summed (orders, gmv); no rounding.
--   in_campaign = 1 for the cities campaign_cities lists for $campaign_id; a campaign that lists no
--   city ran everywhere, and then every city has in_campaign = 1.
--   during = 1 from start_date to end_date inclusive; treated = in_campaign AND during.
--   rel_week = floor(rel_day / 7): weeks counted from the start day.
--   Ordered by city_id (text order), then date.
WITH c AS (
    SELECT start_date, end_date FROM campaigns WHERE campaign_id = $campaign_id
),
listed AS (
    SELECT DISTINCT city_id FROM campaign_cities WHERE campaign_id = $campaign_id
),
days AS (
    SELECT d.city_id, d.date, sum(d.orders) AS orders, sum(d.gmv) AS gmv
    FROM city_daily d CROSS JOIN c
    WHERE date_diff('day', c.start_date, d.date) >= -$pre_days
      AND date_diff('day', c.end_date, d.date) <= $post_days
    GROUP BY d.city_id, d.date
)
SELECT days.city_id,
       days.date,
       days.orders,
       days.gmv,
       CASE WHEN NOT EXISTS (SELECT 1 FROM listed)
                 OR days.city_id IN (SELECT city_id FROM listed) THEN 1 ELSE 0 END AS in_campaign,
       CASE WHEN days.date BETWEEN c.start_date AND c.end_date THEN 1 ELSE 0 END AS during,
       CASE WHEN (NOT EXISTS (SELECT 1 FROM listed) OR days.city_id IN (SELECT city_id FROM listed))
                 AND days.date BETWEEN c.start_date AND c.end_date THEN 1 ELSE 0 END AS treated,
       date_diff('day', c.start_date, days.date) AS rel_day,
       CAST(floor(date_diff('day', c.start_date, days.date) / 7.0) AS INTEGER) AS rel_week
FROM days CROSS JOIN c
ORDER BY days.city_id, days.date
