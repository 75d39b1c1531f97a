-- split_balance: does every payment equal the sum of its split lines, to the cent?
-- tables: payments(total, part_a, part_b, part_c)
-- rules:
--   Amounts are compared in integer cents: round(x * 100) for each column (round half away from zero).
--   A missing part counts as 0. unbalanced = rows whose total differs from the parts' sum in cents.
--   Sums are in the table's unit, no rounding.
SELECT count(*)                                                        AS rows,
       sum(CASE WHEN round(total * 100) <> round(coalesce(part_a, 0) * 100) + round(coalesce(part_b, 0) * 100)
                                            + round(coalesce(part_c, 0) * 100) THEN 1 ELSE 0 END) AS unbalanced,
       sum(total)  AS total,
       sum(part_a) AS part_a,
       sum(part_b) AS part_b,
       sum(part_c) AS part_c
FROM payments
