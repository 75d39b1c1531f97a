-- group_activity: per WeCom group, its members, member-weeks touched, touches, promotional touches,
-- clicks and group orders, attributing each user to the group of their first join.
-- tables: members(group_id, user_id, join_time), touches(user_id, touch_time, content, clicked),
--         group_orders(user_id, order_time)
-- rules:
--   A user's group = the group of their earliest join_time (ties: smallest group_id). members =
--   users attributed to the group. member_weeks = distinct (user, week) pairs with a touch (weeks
--   start on Monday); promo_touches = touches with content = '促销'. Only rows strictly before $as_of.
WITH ranked AS (
    SELECT group_id, user_id,
           row_number() OVER (PARTITION BY user_id ORDER BY join_time, group_id) AS rn
    FROM members WHERE join_time < $as_of
),
home AS (SELECT group_id, user_id FROM ranked WHERE rn = 1),
touch_stats AS (
    SELECT h.group_id,
           count(*)                                             AS touches,
           count(DISTINCT (t.user_id, date_trunc('week', t.touch_time))) AS member_weeks,
           sum(CASE WHEN t.content = '促销' THEN 1 ELSE 0 END)  AS promo_touches,
           sum(t.clicked)                                       AS clicks
    FROM touches t JOIN home h ON h.user_id = t.user_id
    WHERE t.touch_time < $as_of
    GROUP BY h.group_id
),
order_stats AS (
    SELECT h.group_id, count(*) AS group_orders
    FROM group_orders o JOIN home h ON h.user_id = o.user_id
    WHERE o.order_time < $as_of
    GROUP BY h.group_id
)
SELECT h.group_id,
       count(*)                          AS members,
       coalesce(max(t.member_weeks), 0)  AS member_weeks,
       coalesce(max(t.touches), 0)       AS touches,
       coalesce(max(t.promo_touches), 0) AS promo_touches,
       coalesce(max(t.clicks), 0)        AS clicks,
       coalesce(max(o.group_orders), 0)  AS group_orders
FROM home h
LEFT JOIN touch_stats t ON t.group_id = h.group_id
LEFT JOIN order_stats o ON o.group_id = h.group_id
GROUP BY h.group_id
ORDER BY h.group_id
