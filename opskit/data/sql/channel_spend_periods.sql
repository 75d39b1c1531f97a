-- channel_spend_periods: paid media spend per channel and calendar period of the spend date.
-- tables: channel_spend(channel_id, date, spend)
-- rules: period = date_trunc($period, date) (weeks start on Monday); spend = sum(spend), summed as
--   DECIMAL(18, 6) (exact, so the same on every run and engine) and returned as double; a missing
--   channel is its own NULL group; (channel, period) pairs without rows are absent. Sorted by
--   channel_id, period.
SELECT channel_id, date_trunc($period, date) AS period,
       CAST(sum(CAST(spend AS DECIMAL(18, 6))) AS DOUBLE) AS spend
FROM channel_spend
GROUP BY channel_id, date_trunc($period, date)
ORDER BY channel_id, period
