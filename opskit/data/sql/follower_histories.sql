-- follower_histories: each follower's purchase history in one 达人 private domain, counted from the
-- follower's first observed purchase: repeat purchases, recency and length of observation (days).
-- tables: follower_orders(kol_id, follower_id, order_time); cutoffs(kol_id, end_time)
-- rules:
--   A 达人's observation ends at cutoffs.end_time when it has one (e.g. the day it left), else at
--   $as_of; only orders strictly before the end count.
--   repeats = orders − 1; recency_days = (last − first order) / 86,400 s;
--   observed_days = (end − first order) / 86,400 s. One row per (kol_id, follower_id).
WITH kept AS (
    SELECT o.kol_id, o.follower_id, o.order_time,
           coalesce(c.end_time, CAST($as_of AS TIMESTAMP)) AS end_time
    FROM follower_orders o
    LEFT JOIN cutoffs c ON o.kol_id = c.kol_id
    WHERE o.order_time < coalesce(c.end_time, CAST($as_of AS TIMESTAMP))
)
SELECT kol_id,
       follower_id,
       count(*) - 1                                                      AS repeats,
       date_diff('second', min(order_time), max(order_time)) / 86400.0  AS recency_days,
       date_diff('second', min(order_time), max(end_time)) / 86400.0    AS observed_days
FROM kept
GROUP BY kol_id, follower_id
ORDER BY kol_id, follower_id
