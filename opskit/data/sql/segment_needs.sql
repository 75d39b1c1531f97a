-- segment_needs: what each segment buys: lines and spend per segment × need, for three need dimensions.
-- tables: order_lines(order_id, sku_id, category_id, quantity, line_amount),
--         orders(order_id, user_id, order_time), segments(user_id, segment)
-- rules:
--   window: $start <= order_time < $end. Users without a segment row are left out (inner join).
--   dimension 'category': need = category_id.
--   dimension 'daypart': need = hour of order_time: 早 [5,10), 午 [10,14), 下午 [14,18), 晚 [18,22), 夜 otherwise.
--   dimension 'price': the SKU's price level = exp(mean ln(unit price) of its lines − mean ln(unit
--   price) of all lines of its category), unit price = line_amount / quantity, over all lines in
--   the window (not only segmented users); need = '低价' below $low, '高价' at or above $high,
--   '中价' otherwise. Lines with quantity or line_amount <= 0 are left out.
--   lines = rows, spend = sum(line_amount), buyers = distinct user_id. Sorted by dimension, segment, need.
WITH lines AS (
    SELECT o.user_id, l.category_id, l.line_amount, hour(o.order_time) AS hr,
           exp(avg(ln(l.line_amount / l.quantity)) OVER (PARTITION BY l.sku_id)
               - avg(ln(l.line_amount / l.quantity)) OVER (PARTITION BY l.category_id)) AS price_index
    FROM order_lines l JOIN orders o ON l.order_id = o.order_id
    WHERE o.order_time >= $start AND o.order_time < $end AND l.quantity > 0 AND l.line_amount > 0
),
tagged AS (
    SELECT s.segment, x.user_id, x.line_amount, x.category_id,
           CASE WHEN x.hr >= 5 AND x.hr < 10 THEN '早' WHEN x.hr >= 10 AND x.hr < 14 THEN '午'
                WHEN x.hr >= 14 AND x.hr < 18 THEN '下午' WHEN x.hr >= 18 AND x.hr < 22 THEN '晚'
                ELSE '夜' END AS daypart,
           CASE WHEN x.price_index < $low THEN '低价' WHEN x.price_index >= $high THEN '高价'
                ELSE '中价' END AS price_band
    FROM lines x JOIN segments s ON x.user_id = s.user_id
)
SELECT 'category' AS dimension, segment, category_id AS need, count(*) AS lines,
       sum(line_amount) AS spend, count(DISTINCT user_id) AS buyers
FROM tagged GROUP BY segment, category_id
UNION ALL
SELECT 'daypart', segment, daypart, count(*), sum(line_amount), count(DISTINCT user_id)
FROM tagged GROUP BY segment, daypart
UNION ALL
SELECT 'price', segment, price_band, count(*), sum(line_amount), count(DISTINCT user_id)
FROM tagged GROUP BY segment, price_band
ORDER BY dimension, segment, need
