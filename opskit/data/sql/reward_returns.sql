-- reward_returns: orders with and without a discount, and how many were followed by another order soon.
-- tables: orders(user_id, order_time, discount)
-- rules:
--   An order's next order is the user's following order by order_time (tied orders follow each other,
--   0 days apart). returned = the next order is at most $within_days days (86,400 s each) later.
--   Orders whose window runs past $end (order_time + $within_days days > $end) are left out (censored).
--   reward = 'with_discount' when discount > 0, else 'without_discount' (a NULL discount counts as none).
--   One row per reward with at least one counted order, sorted by reward.
WITH nxt AS (
    SELECT order_time, discount,
           lead(order_time) OVER (PARTITION BY user_id ORDER BY order_time) AS next_time
    FROM orders
)
SELECT CASE WHEN discount > 0 THEN 'with_discount' ELSE 'without_discount' END AS reward,
       count(*) AS orders,
       count(CASE WHEN date_diff('microsecond', order_time, next_time) <= $within_days * 86400000000
                  THEN 1 END) AS returned
FROM nxt
WHERE date_diff('microsecond', order_time, CAST($end AS TIMESTAMP)) >= $within_days * 86400000000
GROUP BY CASE WHEN discount > 0 THEN 'with_discount' ELSE 'without_discount' END
ORDER BY reward
