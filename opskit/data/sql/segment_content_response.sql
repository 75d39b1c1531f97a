-- segment_content_response: sends and clicks per segment × content, for a segmentation of the users.
-- tables: message_sends(user_id, channel, content_id, target_tag, opened, clicked, unsubscribed),
--         segments(user_id, segment)
-- rules:
--   only rows of channel $channel with target_tag NULL (randomised content tests or group posts:
--   the content a user got did not depend on who they are). Users without a segment row count
--   under segment '未分群'. sends = rows; opened/clicked/unsubscribed = sums of the 0/1 flags.
SELECT coalesce(s.segment, '未分群') AS segment,
       m.content_id,
       count(*)            AS sends,
       sum(m.opened)       AS opened,
       sum(m.clicked)      AS clicked,
       sum(m.unsubscribed) AS unsubscribed
FROM message_sends m
LEFT JOIN segments s ON m.user_id = s.user_id
WHERE m.channel = $channel AND m.target_tag IS NULL
GROUP BY 1, 2
ORDER BY 1, 2
