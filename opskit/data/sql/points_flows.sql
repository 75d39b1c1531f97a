-- points_flows: points issued, redeemed and expired per period, from a points ledger.
-- tables: ledger(time, points, reason)
-- rules:
--   period = date_trunc($period, time) ('day', 'week', 'month', 'quarter' or 'year'; weeks start on Monday).
--   issued = sum of positive points (any reason); redeemed = −sum(points) of reason 'redeem';
--   expired = −sum(points) of reason 'expire'. Periods without any row are absent. No rounding.
SELECT date_trunc($period, time)                                      AS period,
       sum(CASE WHEN points > 0 THEN points ELSE 0 END)               AS issued,
       -sum(CASE WHEN reason = 'redeem' THEN points ELSE 0 END)       AS redeemed,
       -sum(CASE WHEN reason = 'expire' THEN points ELSE 0 END)       AS expired
FROM ledger
GROUP BY period
ORDER BY period
