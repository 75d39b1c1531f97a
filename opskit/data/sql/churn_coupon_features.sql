-- churn_coupon_features: reliance on coupons per customer at a snapshot, from orders before it.
-- tables: orders(user_id, order_time, coupon_id)
-- rules:
--   Only orders with $as_of - 90 days <= order_time < $as_of count (age <= 90 days, as amount_90d).
--   coupon_share_90d = share of those orders with a coupon (coupon_id not NULL and not empty).
--   Customers without an order in the 90 days are absent. Sorted by user_id.
SELECT user_id,
       avg(CASE WHEN coupon_id IS NOT NULL AND coupon_id <> '' THEN 1.0 ELSE 0.0 END) AS coupon_share_90d
FROM orders
WHERE order_time < CAST($as_of AS TIMESTAMP)
  AND order_time >= CAST($as_of AS TIMESTAMP) - INTERVAL 90 DAY
GROUP BY user_id
ORDER BY user_id
