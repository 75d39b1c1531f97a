-- creative_funnel: the funnel of each homepage creative over every slot it was shown in.
-- tables: homepage_slots(date, slot_id, position, creative_id, impressions, clicks, orders, gmv)
-- rules:
--   One row per creative_id; days = distinct dates it was shown; slots = distinct slot_id;
--   mean_position = impression-weighted mean position; impressions, clicks, orders, gmv = sums,
--   no rounding. Ordered by creative_id (text order).
SELECT creative_id,
       count(DISTINCT date)                               AS days,
       count(DISTINCT slot_id)                            AS slots,
       sum(position * impressions) / sum(impressions)     AS mean_position,
       sum(impressions)                                   AS impressions,
       sum(clicks)                                        AS clicks,
       sum(orders)                                        AS orders,
       sum(gmv)                                           AS gmv
FROM homepage_slots
GROUP BY creative_id
ORDER BY creative_id
