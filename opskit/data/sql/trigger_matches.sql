-- trigger_matches: how many rows of one event type are matched by a nearby row of another.
-- tables: events(user_id, event_time, event_type)
-- rules:
--   Anchors are events of type $anchor, candidates events of type $candidate, of the same user.
--   $direction = 'backward': an anchor is matched when a candidate happened at most $window_us
--   microseconds before it (same time included); 'forward': at most $window_us after it (same time
--   included). Only the nearest candidate on that side is looked at, as pandas.merge_asof does, which
--   for "is there one within the window" gives the same answer. Times compared as stored.
--   anchors = count of anchor events; matched = anchors with a match.
WITH marked AS (
    SELECT user_id, event_time,
           CASE WHEN event_type = $anchor THEN 1 ELSE 0 END AS is_anchor,
           CASE WHEN event_type = $candidate THEN event_time END AS candidate_time
    FROM events
    WHERE event_type = $anchor OR event_type = $candidate
),
nearest AS (
    SELECT is_anchor, event_time,
           max(candidate_time) OVER (PARTITION BY user_id ORDER BY event_time, is_anchor
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS before_time,
           min(candidate_time) OVER (PARTITION BY user_id ORDER BY event_time, is_anchor DESC
                                     ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS after_time
    FROM marked
)
SELECT count(*) AS anchors,
       count(CASE WHEN $direction = 'backward'
                       AND date_diff('microsecond', before_time, event_time) <= $window_us THEN 1
                  WHEN $direction = 'forward'
                       AND date_diff('microsecond', event_time, after_time) <= $window_us THEN 1 END) AS matched
FROM nearest
WHERE is_anchor = 1
