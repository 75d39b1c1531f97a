-- touch_content: touches, clicks, mutes and unsubscriptions per content type of the touch log.
-- tables: touches(content, clicked, muted, unsubscribed, touch_time)
-- rules: only touches strictly before $as_of; a missing content counts as '未知'; sums of the 0/1 flags.
SELECT coalesce(content, '未知') AS content,
       count(*)          AS touches,
       sum(clicked)      AS clicks,
       sum(muted)        AS muted,
       sum(unsubscribed) AS unsubscribed
FROM touches
WHERE touch_time < $as_of
GROUP BY coalesce(content, '未知')
ORDER BY touches DESC, content
