-- gmv_by_members: orders, buyers and GMV in [$start, $end), members versus everyone else.
-- tables: orders(user_id, order_time, amount), members(user_id)
-- rules: a member is any user_id present in members (duplicates count once); orders with
--   $start <= order_time < $end; segment is 'member' or 'non_member'; a segment without orders is
--   absent; sorted by segment.
SELECT CASE WHEN m.user_id IS NULL THEN 'non_member' ELSE 'member' END AS segment,
       count(*) AS orders,
       count(DISTINCT o.user_id) AS buyers,
       sum(o.amount) AS gmv
FROM orders AS o
LEFT JOIN (SELECT DISTINCT user_id FROM members) AS m ON o.user_id = m.user_id
WHERE o.order_time >= $start AND o.order_time < $end
GROUP BY 1
ORDER BY 1
