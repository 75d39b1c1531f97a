-- customer_value: per customer, orders, amount and first/last order time (a per-customer summary).
-- tables: orders(customer, time, amount)  -- the caller passes these columns under these names
-- rules: only rows strictly before $as_of; orders = rows; amount = sum(amount), no rounding.
SELECT customer,
       count(*)    AS orders,
       sum(amount) AS amount,
       min(time)   AS first_time,
       max(time)   AS last_time
FROM orders
WHERE time < $as_of
GROUP BY customer
ORDER BY customer
