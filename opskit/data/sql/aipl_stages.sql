-- aipl_stages: the AIPL stage of every user with a qualifying behaviour before $as_of.
-- tables: orders(user_id, order_time), events(user_id, event_time, event_type),
--   interest_types(event_type), awareness_types(event_type)
-- rules:
--   Every window ends just before $as_of (exclusive) and starts $n days (86,400 s each) earlier, inclusive.
--   Buyers: users with an order in the $purchase_days window. Loyal (L): buyers with orders on at least
--   $loyalty_min_days distinct calendar days (CAST(order_time AS DATE)) in the $loyalty_days window, or
--   buyers with a 'share' event in the $interest_days window. Interest (I): an event whose type is in
--   interest_types in the $interest_days window. Awareness (A): an event whose type is in
--   awareness_types in the $awareness_days window.
--   Each user gets exactly one stage, the highest: L, then P (buyer), then I, then A.
--   One row per user (stage 'A', 'I', 'P' or 'L'), sorted by user_id.
WITH o AS (
    SELECT user_id,
           count(DISTINCT CASE WHEN order_time >= CAST($as_of AS TIMESTAMP) - INTERVAL 1 DAY * $loyalty_days
                               THEN CAST(order_time AS DATE) END) AS loyal_days
    FROM orders
    WHERE order_time < CAST($as_of AS TIMESTAMP)
      AND order_time >= CAST($as_of AS TIMESTAMP) - INTERVAL 1 DAY * $purchase_days
    GROUP BY user_id
),
e AS (
    SELECT user_id,
           max(CASE WHEN event_type = 'share'
                     AND event_time >= CAST($as_of AS TIMESTAMP) - INTERVAL 1 DAY * $interest_days
                    THEN 1 ELSE 0 END) AS shared,
           max(CASE WHEN event_type IN (SELECT event_type FROM interest_types)
                     AND event_time >= CAST($as_of AS TIMESTAMP) - INTERVAL 1 DAY * $interest_days
                    THEN 1 ELSE 0 END) AS interested,
           max(CASE WHEN event_type IN (SELECT event_type FROM awareness_types)
                     AND event_time >= CAST($as_of AS TIMESTAMP) - INTERVAL 1 DAY * $awareness_days
                    THEN 1 ELSE 0 END) AS aware
    FROM events
    WHERE event_time < CAST($as_of AS TIMESTAMP)
      AND event_time >= CAST($as_of AS TIMESTAMP) - INTERVAL 1 DAY * greatest($interest_days, $awareness_days)
    GROUP BY user_id
)
SELECT user_id, stage
FROM (
    SELECT coalesce(o.user_id, e.user_id) AS user_id,
           CASE WHEN o.user_id IS NOT NULL AND (o.loyal_days >= $loyalty_min_days OR e.shared = 1) THEN 'L'
                WHEN o.user_id IS NOT NULL THEN 'P'
                WHEN e.interested = 1 THEN 'I'
                WHEN e.aware = 1 THEN 'A'
           END AS stage
    FROM o FULL OUTER JOIN e ON o.user_id = e.user_id
) s
WHERE stage IS NOT NULL
ORDER BY user_id
