-- new_products: each product's first sale and its amount in the comparison period.
-- tables: orders(order_id, order_time), order_lines(order_id, sku_id, category_id, line_amount)
-- rules:
--   first_time = the earliest order_time of any line of the product; amount = sum(line_amount) of
--   its lines with $start <= order_time < $end; is_new = first_time >= $start (the product did not
--   sell before the period). Lines whose order is not in orders are left out. A product listed under
--   several categories keeps the category of its lines in each row (one row per product and category).
SELECT l.sku_id,
       l.category_id,
       min(o.order_time) AS first_time,
       sum(CASE WHEN o.order_time >= $start AND o.order_time < $end THEN l.line_amount ELSE 0 END) AS amount,
       min(o.order_time) >= $start AS is_new
FROM order_lines l
JOIN orders o ON o.order_id = l.order_id
WHERE o.order_time < $end
GROUP BY l.sku_id, l.category_id
ORDER BY l.category_id, l.sku_id
