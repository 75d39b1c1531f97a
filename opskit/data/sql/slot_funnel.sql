-- slot_funnel: the funnel of each homepage slot: exposure, clicks, orders and GMV.
-- tables: homepage_slots(date, slot_id, position, creative_id, impressions, clicks, orders, gmv)
-- rules:
--   One row per (slot_id, position); days = distinct dates the slot was reported; creatives =
--   distinct creative_id shown in it; switches = days whose creative differs from the slot's
--   creative on its previous reported day (the first day is not a switch; several rows of one
--   slot-day count as a switch when any differs); impressions, clicks, orders, gmv = sums, no
--   rounding. Ordered by position, then slot_id.
WITH marked AS (
    SELECT slot_id, position, date, creative_id, impressions, clicks, orders, gmv,
           CASE WHEN lag(creative_id) OVER (PARTITION BY slot_id, position ORDER BY date, creative_id) IS NULL
                     OR lag(date) OVER (PARTITION BY slot_id, position ORDER BY date, creative_id) = date
                THEN 0
                WHEN lag(creative_id) OVER (PARTITION BY slot_id, position ORDER BY date, creative_id) <> creative_id
                THEN 1 ELSE 0 END AS switched
    FROM homepage_slots
)
SELECT slot_id,
       position,
       count(DISTINCT date)        AS days,
       count(DISTINCT creative_id) AS creatives,
       sum(switched)               AS switches,
       sum(impressions)            AS impressions,
       sum(clicks)                 AS clicks,
       sum(orders)                 AS orders,
       sum(gmv)                    AS gmv
FROM marked
GROUP BY slot_id, position
ORDER BY position, slot_id
