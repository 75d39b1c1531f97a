-- business_line_summary: each business line over the latest $months months of the report.
-- tables: business_lines(month, line_id, line_name, revenue, market_size, largest_rival_share)
-- rules: lag = month difference between a row's month and the latest month of the whole report;
--   the window is lag < $months; own_share = sum of revenue over window months that have a market
--   size ÷ sum of market_size; largest_rival_share = its mean over the window; market_growth =
--   market_size at lag 0 ÷ market_size at lag 12 − 1 (NULL when either month is missing);
--   lines without a row in the window are absent; sorted by line_id.
WITH last_month AS (
    SELECT max(month) AS last_month FROM business_lines
), aged AS (
    SELECT b.*, date_diff('month', b.month, l.last_month) AS lag
    FROM business_lines AS b CROSS JOIN last_month AS l
), recent AS (
    SELECT line_id,
           min(line_name) AS line_name,
           count(*) AS months,
           sum(revenue) AS revenue,
           sum(CASE WHEN market_size IS NOT NULL THEN revenue END) AS revenue_with_market,
           sum(market_size) AS market_size,
           avg(largest_rival_share) AS largest_rival_share
    FROM aged
    WHERE lag < $months
    GROUP BY line_id
), now_ AS (
    SELECT line_id, market_size AS market_now FROM aged WHERE lag = 0
), year_ago AS (
    SELECT line_id, market_size AS market_year_ago FROM aged WHERE lag = 12
)
SELECT r.line_id, r.line_name, r.months, r.revenue, r.market_size,
       r.revenue_with_market / r.market_size AS own_share,
       r.largest_rival_share,
       n.market_now / y.market_year_ago - 1 AS market_growth
FROM recent AS r
LEFT JOIN now_ AS n ON r.line_id = n.line_id
LEFT JOIN year_ago AS y ON r.line_id = y.line_id
ORDER BY r.line_id
