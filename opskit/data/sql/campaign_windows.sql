-- campaign_windows: GMV of the cities each campaign covered, during it and in as many days just before it.
-- tables: city_daily(date, city_id, gmv); campaigns(campaign_id, start_date, end_date);
--         campaign_cities(campaign_id, city_id)
-- rules:
--   A campaign covers the cities campaign_cities lists for it, or every city when it lists none.
--   days = date_diff('day', start_date, end_date) + 1.
--   gmv_during = GMV of covered cities on days start_date..end_date (inclusive);
--   gmv_before = GMV of covered cities on the `days` days right before start_date;
--   days_during / days_before = distinct days with data in each window (so a campaign at the edge
--   of the data shows it); cities = covered cities with data during the campaign. No rounding.
--   Ordered by start_date, then campaign_id.
WITH spans AS (
    SELECT campaign_id, start_date, end_date, date_diff('day', start_date, end_date) + 1 AS days
    FROM campaigns
),
listed AS (
    SELECT DISTINCT campaign_id, city_id FROM campaign_cities
),
covered AS (
    SELECT s.campaign_id, s.start_date, s.end_date, s.days, d.date, d.city_id, d.gmv
    FROM spans s
    JOIN city_daily d
      ON date_diff('day', d.date, s.start_date) <= s.days AND d.date <= s.end_date
    WHERE NOT EXISTS (SELECT 1 FROM listed l WHERE l.campaign_id = s.campaign_id)
       OR d.city_id IN (SELECT l.city_id FROM listed l WHERE l.campaign_id = s.campaign_id)
)
SELECT campaign_id,
       min(start_date) AS start_date,
       min(days) AS days,
       sum(CASE WHEN date >= start_date THEN gmv ELSE 0 END) AS gmv_during,
       sum(CASE WHEN date < start_date THEN gmv ELSE 0 END) AS gmv_before,
       count(DISTINCT CASE WHEN date >= start_date THEN date END) AS days_during,
       count(DISTINCT CASE WHEN date < start_date THEN date END) AS days_before,
       count(DISTINCT CASE WHEN date >= start_date THEN city_id END) AS cities
FROM covered
GROUP BY campaign_id
ORDER BY start_date, campaign_id  -- the output column (= min(start_date)): Spark cannot order by an aggregate shadowed by its alias
