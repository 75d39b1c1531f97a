-- homepage_cells: impressions, clicks and GMV per position x item of a homepage log or slot table.
-- tables: log(position, item, impressions, clicks, gmv)
-- rules:
--   One output row per (position, item) that occurs in the input; no zero rows are added.
--   impressions = sum(impressions) (1 per row for an impression log); clicks = sum(clicks);
--   gmv = sum(gmv), no rounding. Rows with a missing position or item are grouped under NULL.
--   Ordered by position, then item (text order), so the result is deterministic.
SELECT position,
       item,
       sum(impressions) AS impressions,
       sum(clicks)      AS clicks,
       sum(gmv)         AS gmv
FROM log
GROUP BY position, item
ORDER BY position, item
