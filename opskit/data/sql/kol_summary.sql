-- kol_summary: each 达人's collaboration results over the data: days, reach, orders, GMV, returns, cost.
-- tables: kol_daily(kol_id, date, impressions, engagements, orders, gmv, returns, cost)
-- rules:
--   One row per kol_id present in kol_daily; 达人 without any row are absent (the caller reindexes
--   them with zeros, because zero-sales 达人 belong in concentration measures).
--   active_days = distinct dates with a row; first_date/last_date = min/max date.
--   Sums are plain sums, no rounding; gmv is before returns.
SELECT kol_id,
       count(DISTINCT date) AS active_days,
       min(date)            AS first_date,
       max(date)            AS last_date,
       sum(impressions)     AS impressions,
       sum(engagements)     AS engagements,
       sum(orders)          AS orders,
       sum(gmv)             AS gmv,
       sum(returns)         AS returns,
       sum(cost)            AS cost
FROM kol_daily
GROUP BY kol_id
ORDER BY kol_id
