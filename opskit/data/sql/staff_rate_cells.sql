-- staff_rate_cells: referral results of each staff member at each commission rate.
-- tables: staff_referrals(staff_id, commission_rate, referred_users, referred_gmv)
-- rules: one row per (staff_id, commission_rate) that occurs; staff_months = rows (zero-result
--   months included); plain sums; sorted by staff_id, commission_rate.
SELECT staff_id,
       commission_rate,
       count(*) AS staff_months,
       CAST(sum(referred_users) AS BIGINT) AS referred_users,
       sum(referred_gmv) AS referred_gmv
FROM staff_referrals
GROUP BY staff_id, commission_rate
ORDER BY staff_id, commission_rate
