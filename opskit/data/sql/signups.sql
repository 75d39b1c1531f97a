-- signups: registrations per calendar period of register_time.
-- tables: users(register_time)
-- rules: period = date_trunc($period, register_time) (weeks start on Monday); periods without
--   registrations are absent.
SELECT date_trunc($period, register_time) AS period, count(*) AS new_users
FROM users
GROUP BY date_trunc($period, register_time)
ORDER BY period
