-- user_margin: gross margin each user brought in a window: line amounts × their category's margin rate.
-- tables: order_lines(order_id, category_id, line_amount), orders(order_id, user_id, order_time),
--         categories(category_id, gross_margin)
-- rules:
--   window: $start <= order_time < $end. A category without a gross_margin uses $default_margin.
--   spend = sum(line_amount); margin = sum(line_amount × margin rate). Sorted by user_id.
SELECT o.user_id,
       sum(l.line_amount)                                               AS spend,
       sum(l.line_amount * coalesce(c.gross_margin, $default_margin))   AS margin
FROM order_lines l
JOIN orders o ON l.order_id = o.order_id
LEFT JOIN categories c ON l.category_id = c.category_id
WHERE o.order_time >= $start AND o.order_time < $end
GROUP BY o.user_id
ORDER BY o.user_id
