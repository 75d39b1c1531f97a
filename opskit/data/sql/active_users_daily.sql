-- active_users_daily: daily active users (DAU) and trailing weekly / monthly active users (WAU, MAU).
-- tables: events(user_id, event_time, event_type)
-- rules:
--   A user is active on a calendar day, CAST(event_time AS DATE) in the time zone the timestamps are
--   stored in, when they have an event that day; with $event_type only events of that type count
--   ($event_type NULL: every event counts). $start and $end are dates; only days before $end count, and
--   only from $mau_days - 1 days before $start (older days cannot reach a window ending in the range);
--   both bounds compare event_time itself, so a Parquet scan skips row groups outside them.
--   dau = distinct users active on the day; wau = distinct users active on the day or the 6 days before
--   (trailing 7 days, the day included); mau = the same over the trailing $mau_days days (the kit's
--   convention is 30). Days are numbered from 1970-01-01 (day = date_diff('day', DATE '1970-01-01', date)).
--   Each active (user, day) opens a span that ends at the user's next active day or when the window runs
--   out, whichever comes first: wau and mau are running sums of span starts minus span ends, so every
--   user counts once per day however many events they have.
--   Rows: $start and the days in ($start, $end) on which a count changes (someone is active, or leaves a
--   window), in day order; the caller fills the calendar (dau 0 on missing days, wau and mau carried
--   forward from the row before).
WITH active AS (
    SELECT DISTINCT user_id, date_diff('day', DATE '1970-01-01', CAST(event_time AS DATE)) AS d
    FROM events
    WHERE event_time < CAST(CAST($end AS DATE) AS TIMESTAMP)
      AND event_time >= CAST(CAST($start AS DATE) AS TIMESTAMP) - INTERVAL 1 DAY * (CAST($mau_days AS INTEGER) - 1)
      AND ($event_type IS NULL OR event_type = $event_type)
),
spans AS (
    SELECT d, LEAD(d) OVER (PARTITION BY user_id ORDER BY d) AS next_d FROM active
),
changes AS (
    SELECT date_diff('day', DATE '1970-01-01', CAST($start AS DATE)) AS day, 0 AS dau, 0 AS wau, 0 AS mau
    UNION ALL
    SELECT d, 1, 1, 1 FROM spans
    UNION ALL
    SELECT CASE WHEN next_d < d + 7 THEN next_d ELSE d + 7 END, 0, -1, 0 FROM spans
    UNION ALL
    SELECT CASE WHEN next_d < d + CAST($mau_days AS INTEGER) THEN next_d
                ELSE d + CAST($mau_days AS INTEGER) END, 0, 0, -1 FROM spans
),
per_day AS (
    SELECT day, sum(dau) AS dau, sum(wau) AS wau_change, sum(mau) AS mau_change
    FROM changes GROUP BY day
),
running AS (
    SELECT day, dau,
           sum(wau_change) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS wau,
           sum(mau_change) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS mau
    FROM per_day
)
SELECT day, CAST(dau AS BIGINT) AS dau, CAST(wau AS BIGINT) AS wau, CAST(mau AS BIGINT) AS mau
FROM running
WHERE day >= date_diff('day', DATE '1970-01-01', CAST($start AS DATE))
  AND day < date_diff('day', DATE '1970-01-01', CAST($end AS DATE))
ORDER BY day
