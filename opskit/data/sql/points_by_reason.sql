-- points_by_reason: points issued and spent per calendar month and reason, from the points ledger.
-- tables: points_ledger(user_id, time, points, reason)
-- rules:
--   month = date_trunc('month', time); only rows with time < $as_of.
--   points are summed as signed integers (earned > 0, redeemed or expired < 0); members = distinct
--   user_id with a row of that reason in the month. Months or reasons without rows are absent.
SELECT date_trunc('month', time) AS month,
       reason,
       sum(points)             AS points,
       count(*)                AS entries,
       count(DISTINCT user_id) AS members
FROM points_ledger
WHERE time < $as_of
GROUP BY month, reason
ORDER BY month, reason
