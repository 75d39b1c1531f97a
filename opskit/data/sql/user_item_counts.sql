-- user_item_counts: how often each user bought each item (SKU) in a time window, from order lines.
-- tables: order_lines(order_id, sku_id, quantity), orders(order_id, user_id, order_time)
-- rules:
--   window: $start <= order_time < $end, on the order_time of the order a line belongs to.
--   item_id = sku_id; orders = distinct orders containing the item (a SKU on two lines of one
--   order counts once); quantity = sum(quantity); last_time = the latest such order_time.
--   Lines whose order_id has no row in orders are dropped (inner join). Ids are compared as they
--   are stored (strings stay strings). Sorted by user_id, item_id.
SELECT o.user_id,
       l.sku_id                   AS item_id,
       count(DISTINCT l.order_id) AS orders,
       sum(l.quantity)            AS quantity,
       max(o.order_time)          AS last_time
FROM order_lines l
JOIN orders o ON l.order_id = o.order_id
WHERE o.order_time >= $start AND o.order_time < $end
GROUP BY o.user_id, l.sku_id
ORDER BY o.user_id, item_id
