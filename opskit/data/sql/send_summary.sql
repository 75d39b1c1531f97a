-- send_summary: reach, opens, clicks and unsubscribes of message sends, per channel, batch and tag.
-- tables: message_sends(send_id, channel, user_id, send_time, content_id, target_tag, opened, clicked, unsubscribed)
-- rules:
--   one row per (channel, send_id, target_tag, content_id); target_tag NULL = content test or group post.
--   recipients = rows; users = distinct user_id; opened/clicked/unsubscribed = sums of the 0/1 flags;
--   send_time = the earliest send_time of the batch. Sorted by send_time, send_id, content_id.
SELECT channel, send_id, target_tag, content_id,
       min(send_time)          AS send_time,
       count(*)                AS recipients,
       count(DISTINCT user_id) AS users,
       sum(opened)             AS opened,
       sum(clicked)            AS clicked,
       sum(unsubscribed)       AS unsubscribed
FROM message_sends
GROUP BY channel, send_id, target_tag, content_id
ORDER BY send_time, send_id, content_id
