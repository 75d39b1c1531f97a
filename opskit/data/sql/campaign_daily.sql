-- campaign_daily: total orders and GMV per day around one campaign, with each day's phase.
-- tables: daily(date, orders, gmv); campaigns(campaign_id, start_date, end_date);
--         campaign_phases(campaign_id, phase, start_date, end_date)
-- rules:
--   All rows of a day are summed, so a city x day table gives company totals; date is the
--   calendar day (date_trunc('day', date)).
--   Days from $pre_days before start_date to $post_days after end_date, both ends inclusive;
--   rel_day = date_diff('day', start_date, day), 0 on the first campaign day.
--   period = 'before' / 'during' / 'after' the campaign; phase = the name of the phase of
--   $campaign_id whose [start_date, end_date] contains the day (NULL outside the campaign; if
--   phases overlap, the one that starts last wins).
--   Ordered by date.
WITH c AS (
    SELECT start_date, end_date FROM campaigns WHERE campaign_id = $campaign_id
),
totals AS (
    SELECT date_trunc('day', date) AS date, sum(orders) AS orders, sum(gmv) AS gmv
    FROM daily
    GROUP BY date_trunc('day', date)
),
window_days AS (
    SELECT t.date, t.orders, t.gmv, date_diff('day', c.start_date, t.date) AS rel_day,
           CASE WHEN t.date < c.start_date THEN 'before'
                WHEN t.date > c.end_date THEN 'after' ELSE 'during' END AS period
    FROM totals t CROSS JOIN c
    WHERE date_diff('day', c.start_date, t.date) >= -$pre_days
      AND date_diff('day', c.end_date, t.date) <= $post_days
),
phased AS (
    SELECT w.date, p.phase,
           row_number() OVER (PARTITION BY w.date ORDER BY p.start_date DESC, p.phase) AS pick
    FROM window_days w
    JOIN campaign_phases p
      ON p.campaign_id = $campaign_id AND w.date BETWEEN p.start_date AND p.end_date
)
SELECT w.date, w.orders, w.gmv, w.rel_day, w.period, ph.phase
FROM window_days w
LEFT JOIN phased ph ON ph.date = w.date AND ph.pick = 1
ORDER BY w.date
