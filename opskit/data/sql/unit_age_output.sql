-- unit_age_output: every unit-month with the unit's age in months since it opened.
-- tables: unit_monthly(month, unit_id, new_users, cost), units(unit_id, unit_type, open_month)
-- rules: age = month difference between date_trunc('month', open_month) and date_trunc('month', month),
--   plus 1, so the opening month is age 1; rows before the opening month are dropped; unit-months
--   without a row in units are dropped (inner join); sorted by unit_id, month.
SELECT m.unit_id, u.unit_type, date_trunc('month', m.month) AS month,
       date_diff('month', date_trunc('month', u.open_month), date_trunc('month', m.month)) + 1 AS age,
       m.new_users, m.cost
FROM unit_monthly AS m
JOIN units AS u ON m.unit_id = u.unit_id
WHERE date_trunc('month', m.month) >= date_trunc('month', u.open_month)
ORDER BY m.unit_id, month
