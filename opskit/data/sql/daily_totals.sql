-- daily_totals: company totals per calendar day of a daily report (for example city x day).
-- tables: daily(date, orders, gmv)
-- rules: day = date_trunc('day', date); orders and gmv are summed over every row of the day,
--   no rounding; days without rows are absent. Ordered by date.
SELECT date_trunc('day', date) AS date, sum(orders) AS orders, sum(gmv) AS gmv
FROM daily
GROUP BY date_trunc('day', date)
ORDER BY date
