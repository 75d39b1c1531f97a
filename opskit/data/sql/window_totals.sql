-- window_totals: per user, the total of a value over the rows in a time window.
-- tables: items(user_id, time, value)  -- the caller passes its columns under these names
-- rules:
--   Rows with $start <= time < $end count (both bounds as stored, no time-zone shift).
--   total = sum(value) as DOUBLE, no rounding; rows = count of counted rows. Users without a counted
--   row are absent. Sorted by user_id.
SELECT user_id, CAST(sum(value) AS DOUBLE) AS total, count(*) AS rows
FROM items
WHERE time >= CAST($start AS TIMESTAMP) AND time < CAST($end AS TIMESTAMP)
GROUP BY user_id
ORDER BY user_id
