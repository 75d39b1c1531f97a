-- slot_funnel: the funnel of each homepage slot: exposure, clicks, orders and GMV.
-- tables: homepage_slots(date, slot_id, position, impressions, clicks, orders, gmv)
-- rules:
--   One row per (slot_id, position); days = distinct dates the slot was reported;
--   impressions, clicks, orders, gmv = sums, no rounding. Ordered by position, then slot_id.
SELECT slot_id,
       position,
       count(DISTINCT date) AS days,
       sum(impressions)     AS impressions,
       sum(clicks)          AS clicks,
       sum(orders)          AS orders,
       sum(gmv)             AS gmv
FROM homepage_slots
GROUP BY slot_id, position
ORDER BY position, slot_id
