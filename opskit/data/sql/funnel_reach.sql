-- funnel_reach: when each user reached each step of an ordered funnel (up to 8 steps).
-- tables: events(user_id, event_time, event_type), windows(user_id, start_time, end_time)
-- rules:
--   The funnel has $steps steps (1 to 8), $step1 ... $step8 in order; unused trailing steps are NULL
--   and their columns NULL (the guard $steps >= k lets the engine skip them without reading events).
--   A user reaches step 1 at their first $step1 event, and step k at their first $stepk event at or
--   after the time they reached step k-1 (equal timestamps count: the order of rows never matters).
--   With $within_us (microseconds; NULL: no window), every step must happen at most $within_us after
--   the user reached step 1 (bound included). Times are compared as stored (no time-zone shift).
--   With $windowed = 1, only events in the user's own window count, windows.start_time <= event_time <
--   windows.end_time (for example a new user's first 7 days), and users without a window are left out;
--   with $windowed = 0 the windows table is ignored (pass an empty one).
--   One row per user who reached step 1: user_id, t1 ... t8 (NULL where the step was not reached).
WITH s1 AS (
    SELECT e.user_id, min(e.event_time) AS t1, min(w.end_time) AS w_end
    FROM events e LEFT JOIN windows w ON $windowed = 1 AND w.user_id = e.user_id
    WHERE e.event_type = $step1
      AND ($windowed = 0 OR (e.event_time >= w.start_time AND e.event_time < w.end_time))
    GROUP BY e.user_id
),
s2 AS (
    SELECT s.user_id, s.t1, s.w_end, min(e.event_time) AS t2
    FROM s1 s JOIN events e ON e.user_id = s.user_id
    WHERE $steps >= 2 AND e.event_type = $step2 AND e.event_time >= s.t1
      AND ($within_us IS NULL OR date_diff('microsecond', s.t1, e.event_time) <= $within_us)
      AND ($windowed = 0 OR e.event_time < s.w_end)
    GROUP BY s.user_id, s.t1, s.w_end
),
s3 AS (
    SELECT s.user_id, s.t1, s.w_end, min(e.event_time) AS t3
    FROM s2 s JOIN events e ON e.user_id = s.user_id
    WHERE $steps >= 3 AND e.event_type = $step3 AND e.event_time >= s.t2
      AND ($within_us IS NULL OR date_diff('microsecond', s.t1, e.event_time) <= $within_us)
      AND ($windowed = 0 OR e.event_time < s.w_end)
    GROUP BY s.user_id, s.t1, s.w_end
),
s4 AS (
    SELECT s.user_id, s.t1, s.w_end, min(e.event_time) AS t4
    FROM s3 s JOIN events e ON e.user_id = s.user_id
    WHERE $steps >= 4 AND e.event_type = $step4 AND e.event_time >= s.t3
      AND ($within_us IS NULL OR date_diff('microsecond', s.t1, e.event_time) <= $within_us)
      AND ($windowed = 0 OR e.event_time < s.w_end)
    GROUP BY s.user_id, s.t1, s.w_end
),
s5 AS (
    SELECT s.user_id, s.t1, s.w_end, min(e.event_time) AS t5
    FROM s4 s JOIN events e ON e.user_id = s.user_id
    WHERE $steps >= 5 AND e.event_type = $step5 AND e.event_time >= s.t4
      AND ($within_us IS NULL OR date_diff('microsecond', s.t1, e.event_time) <= $within_us)
      AND ($windowed = 0 OR e.event_time < s.w_end)
    GROUP BY s.user_id, s.t1, s.w_end
),
s6 AS (
    SELECT s.user_id, s.t1, s.w_end, min(e.event_time) AS t6
    FROM s5 s JOIN events e ON e.user_id = s.user_id
    WHERE $steps >= 6 AND e.event_type = $step6 AND e.event_time >= s.t5
      AND ($within_us IS NULL OR date_diff('microsecond', s.t1, e.event_time) <= $within_us)
      AND ($windowed = 0 OR e.event_time < s.w_end)
    GROUP BY s.user_id, s.t1, s.w_end
),
s7 AS (
    SELECT s.user_id, s.t1, s.w_end, min(e.event_time) AS t7
    FROM s6 s JOIN events e ON e.user_id = s.user_id
    WHERE $steps >= 7 AND e.event_type = $step7 AND e.event_time >= s.t6
      AND ($within_us IS NULL OR date_diff('microsecond', s.t1, e.event_time) <= $within_us)
      AND ($windowed = 0 OR e.event_time < s.w_end)
    GROUP BY s.user_id, s.t1, s.w_end
),
s8 AS (
    SELECT s.user_id, s.t1, s.w_end, min(e.event_time) AS t8
    FROM s7 s JOIN events e ON e.user_id = s.user_id
    WHERE $steps >= 8 AND e.event_type = $step8 AND e.event_time >= s.t7
      AND ($within_us IS NULL OR date_diff('microsecond', s.t1, e.event_time) <= $within_us)
      AND ($windowed = 0 OR e.event_time < s.w_end)
    GROUP BY s.user_id, s.t1, s.w_end
)
SELECT s1.user_id, s1.t1, s2.t2, s3.t3, s4.t4, s5.t5, s6.t6, s7.t7, s8.t8
FROM s1
LEFT JOIN s2 ON s2.user_id = s1.user_id
LEFT JOIN s3 ON s3.user_id = s1.user_id
LEFT JOIN s4 ON s4.user_id = s1.user_id
LEFT JOIN s5 ON s5.user_id = s1.user_id
LEFT JOIN s6 ON s6.user_id = s1.user_id
LEFT JOIN s7 ON s7.user_id = s1.user_id
LEFT JOIN s8 ON s8.user_id = s1.user_id
