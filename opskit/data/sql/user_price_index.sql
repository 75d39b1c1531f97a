-- user_price_index: each user's price position, the basis of a price-point interest tag (价格带偏好).
-- tables: order_lines(order_id, sku_id, category_id, quantity, line_amount), orders(order_id, user_id, order_time)
-- rules:
--   window: $start <= order_time < $end; lines with quantity > 0 and line_amount > 0.
--   A SKU's price level = mean ln(unit price) over its lines (unit price = line_amount / quantity),
--   so the noise of single orders averages out; its price index = that level − the mean ln(unit
--   price) of all lines of its category (0 = the category's typical price, > 0 dearer).
--   Per user: lines = rows, log_price_index = mean price index of the SKUs on their lines.
--   Sorted by user_id.
WITH lines AS (
    SELECT o.user_id,
           avg(ln(l.line_amount / l.quantity)) OVER (PARTITION BY l.sku_id)
             - avg(ln(l.line_amount / l.quantity)) OVER (PARTITION BY l.category_id) AS price_index
    FROM order_lines l JOIN orders o ON l.order_id = o.order_id
    WHERE o.order_time >= $start AND o.order_time < $end AND l.quantity > 0 AND l.line_amount > 0
)
SELECT user_id, count(*) AS lines, avg(price_index) AS log_price_index
FROM lines
GROUP BY user_id
ORDER BY user_id
