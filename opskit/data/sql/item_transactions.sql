-- item_transactions: how many transactions hold each item.
-- tables: purchases(customer, item)  -- "customer" is the transaction unit (an order or a customer id)
-- rules: transactions are sets (an item bought several times in one transaction counts once);
--   transactions = distinct customer per item; rows with a NULL item or customer are ignored.
--   Sorted by item.
SELECT item, count(DISTINCT customer) AS transactions
FROM purchases
WHERE item IS NOT NULL AND customer IS NOT NULL
GROUP BY item
ORDER BY item
