-- brand_metrics: buyers, purchases and amount per item, and the number of customers in the table.
-- tables: purchases(customer, item, amount)  -- the caller passes these columns under these names
-- rules:
--   One row of purchases is one purchase of one item by one customer. buyers = distinct customers
--   who bought the item; purchases = rows; amount = sum(amount), no rounding (null amounts count 0).
--   universe = distinct customers over the whole table (the penetration denominator), the same
--   for every item. Items are returned in descending purchases, ties by item.
WITH per_item AS (
    SELECT item,
           count(DISTINCT customer)  AS buyers,
           count(*)                  AS purchases,
           coalesce(sum(amount), 0)  AS amount
    FROM purchases
    GROUP BY item
)
SELECT p.item, p.buyers, p.purchases, p.amount, u.universe
FROM per_item p
CROSS JOIN (SELECT count(DISTINCT customer) AS universe FROM purchases) u
ORDER BY p.purchases DESC, p.item
