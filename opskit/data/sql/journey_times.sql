-- journey_times: each user's first time at each journey stage, in stage order.
-- tables: users(user_id, register_time), orders(user_id, order_time), events(user_id, event_time, event_type)
-- rules:
--   register = register_time. Orders are numbered per user by order_time (tied orders share their time,
--   so ties do not change any stage time): first_order = the 1st, repeat_order = the 2nd, loyal = the
--   $loyal_orders-th (NULL when the user has fewer orders).
--   browse = the first 'view_item' or 'search' event at or after register_time; add_to_cart = the first
--   'add_to_cart' event at or after browse. Times compared as stored (no time-zone shift).
--   One row per row of users; orders and events of users absent from users are ignored.
WITH numbered AS (
    SELECT user_id, order_time,
           row_number() OVER (PARTITION BY user_id ORDER BY order_time) AS nth
    FROM orders
),
ord AS (
    SELECT user_id,
           min(CASE WHEN nth = 1 THEN order_time END) AS first_order,
           min(CASE WHEN nth = 2 THEN order_time END) AS repeat_order,
           min(CASE WHEN nth = $loyal_orders THEN order_time END) AS loyal
    FROM numbered
    WHERE nth IN (1, 2, $loyal_orders)
    GROUP BY user_id
),
browse AS (
    SELECT u.user_id, min(e.event_time) AS browse
    FROM users u JOIN events e ON e.user_id = u.user_id
    WHERE e.event_type IN ('view_item', 'search') AND e.event_time >= u.register_time
    GROUP BY u.user_id
),
cart AS (
    SELECT b.user_id, min(e.event_time) AS add_to_cart
    FROM browse b JOIN events e ON e.user_id = b.user_id
    WHERE e.event_type = 'add_to_cart' AND e.event_time >= b.browse
    GROUP BY b.user_id
)
SELECT u.user_id, u.register_time AS register, b.browse, c.add_to_cart,
       o.first_order, o.repeat_order, o.loyal
FROM users u
LEFT JOIN ord o ON o.user_id = u.user_id
LEFT JOIN browse b ON b.user_id = u.user_id
LEFT JOIN cart c ON c.user_id = u.user_id
