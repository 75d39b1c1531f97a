-- visitors: users who visited per calendar period, and those visiting for the first time.
-- tables: events(user_id, event_time, event_type), orders(user_id, order_time)
-- rules:
--   A visit is an app_open event or an order on any platform (mini-program and store buyers have no
--   app events). visitors = distinct users with a visit in the period (date_trunc($period, time),
--   weeks start on Monday); new_visitors = those whose first-ever visit falls in the period.
WITH visits AS (
    SELECT user_id, event_time AS t FROM events WHERE event_type = 'app_open'
    UNION ALL
    SELECT user_id, order_time AS t FROM orders
),
first_visit AS (SELECT user_id, min(t) AS first_t FROM visits GROUP BY user_id),
v AS (SELECT DISTINCT date_trunc($period, t) AS period, user_id FROM visits)
SELECT v.period,
       count(*) AS visitors,
       count(CASE WHEN date_trunc($period, f.first_t) = v.period THEN 1 END) AS new_visitors
FROM v JOIN first_visit f ON v.user_id = f.user_id
GROUP BY v.period
ORDER BY v.period
