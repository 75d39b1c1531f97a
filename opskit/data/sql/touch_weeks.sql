-- touch_weeks: member-weeks by the number of touches received that week, with clicks, mutes and
-- unsubscriptions: the raw material of the fatigue curve.
-- tables: touches(user_id, touch_time, clicked, muted, unsubscribed)
-- rules:
--   week = date_trunc('week', touch_time) (weeks start on Monday); only touches strictly before
--   $as_of count. A member-week is one user in one week with at least one touch; touches = rows
--   that week, clicks = sum(clicked). A week is muted / unsubscribed when any of its touches has the
--   flag. at_risk_mute = member-weeks of users not muted in an earlier week (a user mutes once);
--   every member-week is at risk of unsubscribing (an unsubscribed user receives no more touches).
WITH weeks AS (
    SELECT user_id,
           date_trunc('week', touch_time) AS week,
           count(*)                       AS touches,
           sum(clicked)                   AS clicks,
           max(muted)                     AS muted,
           max(unsubscribed)              AS unsubscribed
    FROM touches
    WHERE touch_time < $as_of
    GROUP BY user_id, week
),
flagged AS (
    SELECT *,
           coalesce(sum(muted) OVER (PARTITION BY user_id ORDER BY week
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS muted_before
    FROM weeks
)
SELECT touches,
       count(*)                                                  AS member_weeks,
       sum(clicks)                                               AS clicks,
       sum(CASE WHEN muted_before = 0 THEN 1 ELSE 0 END)         AS at_risk_mute,
       sum(CASE WHEN muted_before = 0 THEN muted ELSE 0 END)     AS muted,
       sum(unsubscribed)                                         AS unsubscribed
FROM flagged
GROUP BY touches
ORDER BY touches
