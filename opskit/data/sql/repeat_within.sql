-- repeat_within: share of buyers whose first observed purchase is followed by another within $days.
-- tables: purchases(group_key, buyer_id, order_time); cutoffs(group_key, end_time)
-- rules:
--   Per group_key (a 达人, or one key for the whole platform), each buyer's first observed purchase
--   is the earliest order_time with order_time < $as_of; ties at that time count as a repeat within 0 days.
--   A buyer is eligible when the first purchase is at least $days days (86,400 s each) before the
--   group's end: cutoffs.end_time if the group has one (e.g. the day a 达人 left), else $as_of.
--   repeaters = eligible buyers whose next purchase (order_time < end) is at most $days days later.
WITH ordered AS (
    SELECT group_key, buyer_id, order_time,
           row_number() OVER (PARTITION BY group_key, buyer_id ORDER BY order_time) AS nth,
           lead(order_time) OVER (PARTITION BY group_key, buyer_id ORDER BY order_time) AS next_time
    FROM purchases
    WHERE order_time < $as_of
),
firsts AS (
    SELECT o.group_key, o.buyer_id, o.order_time, o.next_time,
           coalesce(c.end_time, CAST($as_of AS TIMESTAMP)) AS end_time
    FROM ordered o
    LEFT JOIN cutoffs c ON o.group_key = c.group_key
    WHERE o.nth = 1
)
SELECT group_key,
       count(*) AS buyers,
       sum(CASE WHEN next_time IS NOT NULL AND next_time < end_time
                 AND date_diff('second', order_time, next_time) <= $days * 86400 THEN 1 ELSE 0 END) AS repeaters
FROM firsts
WHERE date_diff('second', order_time, end_time) >= $days * 86400
GROUP BY group_key
ORDER BY group_key
