-- partner_totals: totals per partner channel over the whole report.
-- tables: partner_monthly(partner_id, new_users, gmv, commission, support_cost)
-- rules: plain sums over every row of a partner; months = number of rows; sorted by partner_id.
SELECT partner_id,
       count(*) AS months,
       CAST(sum(new_users) AS BIGINT) AS new_users,
       sum(gmv) AS gmv,
       sum(commission) AS commission,
       sum(support_cost) AS support_cost
FROM partner_monthly
GROUP BY partner_id
ORDER BY partner_id
