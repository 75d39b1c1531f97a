-- paid_funnel_monthly: the paid-media funnel per calendar month.
-- tables: channel_spend(date, spend, impressions, clicks), installs(install_time, user_id),
--   orders(user_id, order_time)
-- rules: impressions, clicks and spend are summed by date_trunc('month', date); installs are
--   counted by date_trunc('month', install_time); registrations = installs with a user_id;
--   buyers = registrations whose user's first order (min order_time over all orders) is at or
--   after the install and less than $seconds seconds after it; only months present in both
--   channel_spend and installs are returned, sorted by month.
WITH spend AS (
    SELECT date_trunc('month', date) AS month,
           sum(impressions) AS impressions, sum(clicks) AS clicks, sum(spend) AS spend
    FROM channel_spend
    GROUP BY 1
), first_order AS (
    SELECT user_id, min(order_time) AS first_order
    FROM orders
    GROUP BY user_id
), installed AS (
    SELECT date_trunc('month', i.install_time) AS month,
           count(*) AS installs,
           count(i.user_id) AS registrations,
           count(CASE WHEN f.first_order >= i.install_time
                       AND date_diff('second', i.install_time, f.first_order) < $seconds THEN 1 END) AS buyers
    FROM installs AS i
    LEFT JOIN first_order AS f ON i.user_id = f.user_id
    GROUP BY 1
)
SELECT s.month,
       CAST(s.impressions AS BIGINT) AS impressions,
       CAST(s.clicks AS BIGINT) AS clicks,
       CAST(i.installs AS BIGINT) AS installs,
       CAST(i.registrations AS BIGINT) AS registrations,
       CAST(i.buyers AS BIGINT) AS buyers,
       s.spend
FROM spend AS s
JOIN installed AS i ON s.month = i.month
ORDER BY s.month
