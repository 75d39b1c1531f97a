-- users_by_channel: registered users per acquisition channel.
-- tables: users(user_id, channel_id)
-- rules: one row per channel_id (a missing channel is its own NULL group); users = rows (one per
--   registered user); sorted by channel_id.
SELECT channel_id, count(*) AS users
FROM users
GROUP BY channel_id
ORDER BY channel_id
