-- lead_pairs: does a customer's first purchase of A lead to buying B in the next $window_days days?
-- tables: purchases(customer, basket, item, time)  -- one row per item bought in a basket (order)
-- rules:
--   first_time(c, A) = the customer's earliest purchase time of A. The window of (c, A) holds the
--   customer's baskets with first_time < time <= first_time + $window_days days (strictly after the
--   first purchase, so the basket of the first purchase itself is never in its own window) that do
--   not contain A (so repeat purchases of A and their basket companions do not count).
--   A customer counts for the pair (A, B) only if they had not bought B before first_time(c, A)
--   (B is new to them); a first purchase of B in the same basket as the first A also excludes them.
--   window_baskets = window baskets of eligible customers; hits = those containing B;
--   customers = eligible customers with at least one window basket; converted = those with a hit.
--   The baseline share of baskets with B among baskets without A is returned as base_hits /
--   base_baskets, over every basket of every customer. Only baskets strictly before $as_of count.
WITH p AS (SELECT DISTINCT customer, basket, item, time FROM purchases WHERE time < $as_of),
     firsts AS (SELECT customer, item, min(time) AS first_time FROM p GROUP BY customer, item),
     baskets AS (SELECT DISTINCT customer, basket, time FROM p),
     items AS (SELECT DISTINCT item FROM p),
     windows AS (
         SELECT f.item AS antecedent, f.customer, f.first_time, b.basket
         FROM firsts f
         JOIN baskets b ON b.customer = f.customer
          AND b.time > f.first_time
          AND b.time <= f.first_time + INTERVAL 1 DAY * $window_days
         LEFT JOIN p pa ON pa.basket = b.basket AND pa.item = f.item
         WHERE pa.basket IS NULL
     ),
     eligible AS (
         SELECT w.antecedent, i.item AS consequent, w.customer, w.basket,
                CASE WHEN pb.basket IS NULL THEN 0 ELSE 1 END AS hit
         FROM windows w
         CROSS JOIN items i
         LEFT JOIN firsts fb ON fb.customer = w.customer AND fb.item = i.item
         LEFT JOIN p pb ON pb.basket = w.basket AND pb.item = i.item
         WHERE i.item <> w.antecedent AND (fb.first_time IS NULL OR fb.first_time > w.first_time)
     ),
     per_customer AS (
         SELECT antecedent, consequent, customer, count(*) AS n, max(hit) AS converted, sum(hit) AS hits
         FROM eligible GROUP BY antecedent, consequent, customer
     ),
     basket_items AS (SELECT DISTINCT basket, item FROM p),
     n_baskets AS (SELECT count(DISTINCT basket) AS n FROM p),
     item_baskets AS (SELECT item, count(*) AS n FROM basket_items GROUP BY item),
     both_baskets AS (
         SELECT a.item AS antecedent, b.item AS consequent, count(*) AS n
         FROM basket_items a JOIN basket_items b ON a.basket = b.basket AND a.item <> b.item
         GROUP BY a.item, b.item
     )
SELECT c.antecedent,
       c.consequent,
       count(*)        AS customers,
       sum(converted)  AS converted,
       sum(c.n)        AS window_baskets,
       sum(hits)       AS hits,
       ib.n - coalesce(bb.n, 0)  AS base_hits,
       nb.n - ia.n               AS base_baskets
FROM per_customer c
JOIN item_baskets ia ON ia.item = c.antecedent
JOIN item_baskets ib ON ib.item = c.consequent
CROSS JOIN n_baskets nb
LEFT JOIN both_baskets bb ON bb.antecedent = c.antecedent AND bb.consequent = c.consequent
GROUP BY c.antecedent, c.consequent, ia.n, ib.n, nb.n, bb.n
ORDER BY c.antecedent, c.consequent
