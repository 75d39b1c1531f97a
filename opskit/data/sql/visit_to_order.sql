-- visit_to_order: app visitors per calendar period and how many of them also ordered in the period.
-- tables: events(user_id, event_time, event_type), orders(user_id, order_time)
-- rules:
--   period = date_trunc($period, time) (weeks start on Monday), times as stored. visitors = distinct
--   users with an 'app_open' event in the period; buyers = those of them with an order (any platform)
--   in the same period. Users who ordered without opening the app are not in the denominator.
--   Periods without visitors are absent; sorted by period.
WITH v AS (
    SELECT DISTINCT date_trunc($period, event_time) AS period, user_id FROM events WHERE event_type = 'app_open'
),
b AS (
    SELECT DISTINCT date_trunc($period, order_time) AS period, user_id FROM orders
)
SELECT v.period, count(*) AS visitors, count(b.user_id) AS buyers
FROM v LEFT JOIN b ON b.period = v.period AND b.user_id = v.user_id
GROUP BY v.period
ORDER BY v.period
