-- category_purchases: one purchase per order and category (a "trip" of the category), with its amount.
-- tables: orders(order_id, user_id, order_time), order_lines(order_id, category_id, line_amount)
-- rules:
--   A purchase is one (order, category) pair: several lines of one category in one order are one
--   purchase; amount = sum(line_amount) over those lines, no rounding; lines = their count.
--   Lines whose order_id is not in orders are left out (inner join). Only orders strictly before
--   $as_of count. Ids are opaque: compared for equality only.
SELECT o.user_id,
       o.order_id,
       o.order_time,
       l.category_id,
       sum(l.line_amount) AS amount,
       count(*)           AS lines
FROM orders o
JOIN order_lines l ON l.order_id = o.order_id
WHERE o.order_time < $as_of
GROUP BY o.user_id, o.order_id, o.order_time, l.category_id
ORDER BY o.order_time, o.order_id, l.category_id
