-- category_repeat: repeat buying of each item: repeat buyers and the days between purchases.
-- tables: purchases(customer, item, time)  -- one row per purchase (e.g. one order of a category)
-- rules:
--   Purchases of one item by one customer at the same timestamp count once. buyers = distinct
--   customers; repeat_buyers = customers with at least two purchases of the item; gaps = days
--   (fractional, from the timestamps) between consecutive purchases of the item by one customer;
--   median_gap_days = median of the gaps (linear interpolation), mean_gap_days their mean; items
--   without repeat purchases have null gap figures. Only purchases strictly before $as_of count.
WITH p AS (SELECT DISTINCT customer, item, time FROM purchases WHERE time < $as_of),
     gaps AS (
         SELECT customer, item,
                date_diff('second', lag(time) OVER (PARTITION BY customer, item ORDER BY time), time) / 86400.0
                    AS gap_days
         FROM p
     ),
     per_customer AS (SELECT item, customer, count(*) AS n FROM p GROUP BY item, customer)
SELECT c.item,
       count(*)                                AS buyers,
       sum(CASE WHEN c.n >= 2 THEN 1 ELSE 0 END) AS repeat_buyers,
       sum(c.n)                                AS purchases,
       g.median_gap_days,
       g.mean_gap_days
FROM per_customer c
LEFT JOIN (
    SELECT item, median(gap_days) AS median_gap_days, avg(gap_days) AS mean_gap_days
    FROM gaps WHERE gap_days IS NOT NULL GROUP BY item
) g ON g.item = c.item
GROUP BY c.item, g.median_gap_days, g.mean_gap_days
ORDER BY c.item
