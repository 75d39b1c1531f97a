-- points_matured: points earned long enough before $as_of to be settled, and how many of them expired.
-- tables: ledger(time, points, reason)
-- rules:
--   matured = earned (points > 0) with time < $as_of − $expiry_days days: by $as_of each such
--   point has been redeemed or has expired. earned = their sum; expired = −sum(points) of rows with
--   reason 'expire' and time < $as_of (an expiry row is dated exactly $expiry_days after its earning,
--   so these are the expiries of the matured points). NULL sums when nothing qualifies.
--   Portable form: "time < as_of − N days" is written as more than N days of microseconds between
--   time and as_of (exact integer arithmetic, no interval type, so Spark and the warehouses run it).
SELECT sum(CASE WHEN points > 0
                 AND date_diff('microsecond', time, CAST($as_of AS TIMESTAMP))
                     > CAST($expiry_days AS BIGINT) * 86400000000 THEN points END)               AS earned,
       -sum(CASE WHEN reason = 'expire' AND time < $as_of THEN points END)                                AS expired
FROM ledger
