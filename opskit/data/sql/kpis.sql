-- kpis: orders, buyers, GMV, new and repeat buyers per calendar period (and segment) of order_time.
-- tables: orders(user_id, order_time, amount, discount, segment)
-- rules:
--   period = date_trunc($period, order_time) (weeks start on Monday), in the time zone the timestamps
--   are stored in; segment is any label column, read as text (NULL read as '', and '' when the caller
--   does not split); discount the discount of the order (NULL read as 0; 0 when the export has none).
--   orders = rows; buyers = distinct user_id; gmv = sum(amount); gross_gmv = sum(amount + discount).
--   Money is summed as DECIMAL(18, 6), exactly and so in the same order-free way on every run and
--   engine (floating-point sums depend on the order parallel threads add them), then returned as double;
--   the amount is cast once per row (paid) and that exact value summed into gmv and first_order_gmv.
--   A user's first order is the row(s) at their earliest order_time in the table; several rows tied at
--   that timestamp all count as first orders, but the user counts once in new_buyers of the period.
--   first_order_gmv = sum of amount over first-order rows.
--   repeat_buyers = buyers with at least 2 orders in the period (and segment).
WITH first_orders AS (
    SELECT user_id, min(order_time) AS first_time FROM orders GROUP BY user_id
),
per_user AS (
    SELECT date_trunc($period, o.order_time) AS period, coalesce(CAST(o.segment AS VARCHAR), '') AS segment,
           o.user_id,
           count(*) AS orders,
           sum(o.paid) AS gmv,
           sum(CAST(o.amount + coalesce(o.discount, 0) AS DECIMAL(18, 6))) AS gross_gmv,
           max(CASE WHEN o.order_time = f.first_time THEN 1 ELSE 0 END) AS is_new,
           sum(CASE WHEN o.order_time = f.first_time THEN o.paid ELSE 0 END)
               AS first_order_gmv
    FROM (SELECT user_id, order_time, segment, amount, discount,
                 CAST(amount AS DECIMAL(18, 6)) AS paid
          FROM orders) o
    JOIN first_orders f ON o.user_id = f.user_id
    GROUP BY date_trunc($period, o.order_time), coalesce(CAST(o.segment AS VARCHAR), ''), o.user_id
)
SELECT period, segment,
       CAST(sum(orders) AS BIGINT)                   AS orders,
       count(*)                                      AS buyers,
       CAST(sum(gmv) AS DOUBLE)                      AS gmv,
       CAST(sum(gross_gmv) AS DOUBLE)                AS gross_gmv,
       CAST(sum(is_new) AS BIGINT)                   AS new_buyers,
       count(CASE WHEN orders >= 2 THEN 1 END)       AS repeat_buyers,
       CAST(sum(first_order_gmv) AS DOUBLE)          AS first_order_gmv
FROM per_user
GROUP BY period, segment
ORDER BY period, segment
