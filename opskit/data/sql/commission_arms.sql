-- commission_arms: results of the all-staff referral programme per commission rate.
-- tables: staff_referrals(commission_rate, referred_users, referred_gmv, commission)
-- rules: one row per distinct commission_rate; staff_months = rows (a staff member in a month,
--   zero results included); sums over those rows; sorted by commission_rate.
SELECT commission_rate,
       count(*) AS staff_months,
       CAST(sum(referred_users) AS BIGINT) AS referred_users,
       sum(referred_gmv) AS referred_gmv,
       sum(commission) AS commission
FROM staff_referrals
GROUP BY commission_rate
ORDER BY commission_rate
