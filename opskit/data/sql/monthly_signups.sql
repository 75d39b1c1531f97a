-- monthly_signups: registrations per calendar month of register_time.
-- tables: users(register_time)
-- rules: month = date_trunc('month', register_time); months without registrations are absent.
SELECT date_trunc('month', register_time) AS month, count(*) AS new_users
FROM users
GROUP BY month
ORDER BY month
