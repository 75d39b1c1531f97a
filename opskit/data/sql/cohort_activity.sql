-- cohort_activity: active users per first-activity cohort and age in calendar periods.
-- tables: activity(user_id, ts)
-- rules:
--   Only rows with ts < $as_of count (exclusive cut-off).
--   A user's periods are the distinct date_trunc($period, ts) with any row (weeks start on Monday).
--   cohort = the user's first period; age = date_diff($period, cohort, period) in whole periods.
--   active_users = users of the cohort with a row in the period at that age (N-period retention);
--   last_active_users = users whose last active period is at that age (cumulated backwards by the
--   caller for unbounded retention). Ages and cohorts with no user are absent.
WITH act AS (
    SELECT DISTINCT user_id, date_trunc($period, ts) AS p
    FROM activity
    WHERE ts < CAST($as_of AS TIMESTAMP)
),
first_last AS (
    SELECT user_id, min(p) AS cohort, max(p) AS last_p FROM act GROUP BY user_id
)
SELECT f.cohort,
       date_diff($period, f.cohort, a.p) AS age,
       count(*) AS active_users,
       count(CASE WHEN a.p = f.last_p THEN 1 END) AS last_active_users
FROM act a JOIN first_last f ON a.user_id = f.user_id
GROUP BY f.cohort, date_diff($period, f.cohort, a.p)
ORDER BY f.cohort, age
