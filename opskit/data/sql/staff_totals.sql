-- staff_totals: results of each staff member in the all-staff referral programme (全员营销).
-- tables: staff_referrals(staff_id, department, referred_users, referred_gmv, commission)
-- rules: plain sums over every month of a staff member (months with zero results count);
--   department = the member's alphabetically first department; sorted by staff_id.
SELECT staff_id,
       min(department) AS department,
       count(*) AS months,
       CAST(sum(referred_users) AS BIGINT) AS referred_users,
       sum(referred_gmv) AS referred_gmv,
       sum(commission) AS commission
FROM staff_referrals
GROUP BY staff_id
ORDER BY staff_id
