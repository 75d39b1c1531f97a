-- channel_signups: registrations per acquisition channel and calendar period of register_time.
-- tables: users(channel_id, register_time)
-- rules: period = date_trunc($period, register_time) (weeks start on Monday), times as stored;
--   registrations = rows; a missing channel is its own NULL group; (channel, period) pairs without
--   registrations are absent. Sorted by channel_id, period.
SELECT channel_id, date_trunc($period, register_time) AS period, count(*) AS registrations
FROM users
GROUP BY channel_id, date_trunc($period, register_time)
ORDER BY channel_id, period
