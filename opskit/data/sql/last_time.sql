-- last_time: the latest timestamp of an activity table (the default as-of of cohort tables).
-- tables: activity(ts)
-- rules: last_time = max(ts) over all rows, as stored (no time-zone shift); NULL for an empty table.
SELECT max(ts) AS last_time FROM activity
