-- send_fatigue: unsubscribe rate by how many messages of the same channel the user got in the 7 days before.
-- tables: message_sends(user_id, channel, send_time, unsubscribed)
-- rules:
--   recent = number of the user's earlier rows on the same channel with send_time in
--   [send_time − 7 days, send_time) (a message exactly 7 days before counts; the row itself and
--   rows at the same instant do not). Grouped by channel and recent; sends = rows,
--   unsubscribed = sum of the flag. Sorted by channel, recent.
WITH counted AS (
    SELECT channel, unsubscribed,
           count(*) OVER (PARTITION BY user_id, channel ORDER BY send_time
                          RANGE BETWEEN INTERVAL 7 DAYS PRECEDING AND CURRENT ROW)
           - count(*) OVER (PARTITION BY user_id, channel, send_time) AS recent
    FROM message_sends
)
SELECT channel, recent, count(*) AS sends, sum(unsubscribed) AS unsubscribed
FROM counted
GROUP BY channel, recent
ORDER BY channel, recent
