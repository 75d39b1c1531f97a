-- rfm: recency (whole days), frequency (orders) and monetary (total paid) per customer.
-- tables: orders(user_id, order_time, amount)
-- rules:
--   Only orders with order_time < $as_of count, and with a window only those with
--   order_time >= $window_start ($window_start NULL: no window).
--   recency_days = floor((as_of - last counted order) in days), from timestamps to the microsecond.
--   frequency counts orders (rows, not order lines); monetary = sum(amount), no rounding.
--   Customers without a counted order are absent. Sorted by user_id.
SELECT user_id,
       CAST(floor(date_diff('microsecond', max(order_time), CAST($as_of AS TIMESTAMP)) / 86400e6) AS BIGINT)
           AS recency_days,
       count(*) AS frequency,
       sum(amount) AS monetary
FROM orders
WHERE order_time < CAST($as_of AS TIMESTAMP)
  AND ($window_start IS NULL OR order_time >= CAST($window_start AS TIMESTAMP))
GROUP BY user_id
ORDER BY user_id
