-- category_entry: which items bring customers in, how broad their buyers shop, and what the
-- customers an item brought in are worth over the following $horizon_days days.
-- tables: purchases(customer, item, time, amount)  -- one row per purchase of an item
-- rules:
--   A customer's first time = their earliest purchase time in the table; the items bought at that
--   time are their entry items (several if the first order holds several). entry_customers = customers
--   with the item among their entry items; entry_share = entry_customers / all customers.
--   breadth = mean over the item's buyers of the number of distinct *other* items they bought.
--   entry_value = mean over entry customers whose first time is at least $horizon_days days before
--   $as_of of their total amount (all items) in [first time, first time + $horizon_days days);
--   valued_customers = how many such customers. Only purchases strictly before $as_of count.
WITH p AS (SELECT customer, item, time, amount FROM purchases WHERE time < $as_of),
     firsts AS (SELECT customer, min(time) AS first_time FROM p GROUP BY customer),
     entry AS (
         SELECT DISTINCT p.customer, p.item, f.first_time
         FROM p JOIN firsts f ON f.customer = p.customer AND p.time = f.first_time
     ),
     value AS (
         SELECT f.customer, sum(p.amount) AS amount
         FROM firsts f JOIN p ON p.customer = f.customer
          AND p.time < f.first_time + INTERVAL 1 DAY * $horizon_days
         WHERE f.first_time + INTERVAL 1 DAY * $horizon_days <= $as_of
         GROUP BY f.customer
     ),
     customer_items AS (SELECT DISTINCT customer, item FROM p),
     breadth AS (SELECT customer, count(*) AS n FROM customer_items GROUP BY customer),
     per_item_breadth AS (
         SELECT ci.item, avg(b.n - 1) AS breadth FROM customer_items ci JOIN breadth b ON b.customer = ci.customer
         GROUP BY ci.item
     ),
     per_item_entry AS (
         SELECT e.item, count(*) AS entry_customers, count(v.customer) AS valued_customers,
                avg(v.amount) AS entry_value
         FROM entry e LEFT JOIN value v ON v.customer = e.customer
         GROUP BY e.item
     )
SELECT b.item,
       coalesce(e.entry_customers, 0) AS entry_customers,
       coalesce(e.entry_customers, 0) * 1.0 / (SELECT count(*) FROM firsts) AS entry_share,
       b.breadth,
       coalesce(e.valued_customers, 0) AS valued_customers,
       e.entry_value
FROM per_item_breadth b
LEFT JOIN per_item_entry e ON e.item = b.item
ORDER BY b.item
