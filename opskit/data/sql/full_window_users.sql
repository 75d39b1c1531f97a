-- full_window_users: users registered at least $max_days days before $as_of (a full window after registering).
-- tables: users(register_time)
-- rules: a row counts when register_time + $max_days days (86,400 s each) <= $as_of, times as stored;
--   rows without register_time do not count; every row counts (as the rows of users are counted).
SELECT count(*) AS users
FROM users
WHERE date_diff('microsecond', register_time, CAST($as_of AS TIMESTAMP)) >= $max_days * 86400000000
