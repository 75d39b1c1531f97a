-- activity_panel: orders and amount per customer per calendar period (a customer x period panel).
-- tables: orders(customer, time, amount)  -- the caller passes these three columns under these names
-- rules:
--   period = date_trunc($period, time): 'day', 'week' (weeks start on Monday), 'month', 'quarter'
--   or 'year', in the time zone the timestamps are stored in; a period is labelled by its first day.
--   Only rows strictly before $as_of count. orders = rows (one row is one order); amount = sum(amount),
--   no rounding. Periods without orders are absent (the panel is sparse); customer ids are opaque.
SELECT customer,
       date_trunc($period, time) AS period,
       count(*)                  AS orders,
       sum(amount)               AS amount
FROM orders
WHERE time < $as_of
GROUP BY customer, period
ORDER BY customer, period
