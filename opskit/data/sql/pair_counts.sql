-- pair_counts: for every ordered pair of distinct items, how many transactions hold both.
-- tables: purchases(customer, item)  -- "customer" is the transaction unit: an order id for
--   basket-level rules, a customer id for customer-level rules
-- rules:
--   Transactions are sets: an item bought several times in one transaction counts once.
--   n_transactions = distinct customers in the table; n_antecedent / n_consequent = transactions
--   holding the item; n_both = transactions holding both. Only pairs seen together at least once
--   are returned; pairs never seen together have n_both = 0 and are absent. Ordered by antecedent,
--   consequent.
WITH baskets AS (SELECT DISTINCT customer, item FROM purchases),
     items AS (SELECT item, count(*) AS n FROM baskets GROUP BY item),
     total AS (SELECT count(DISTINCT customer) AS n FROM baskets)
SELECT a.item AS antecedent,
       b.item AS consequent,
       count(*) AS n_both,
       ia.n     AS n_antecedent,
       ib.n     AS n_consequent,
       t.n      AS n_transactions
FROM baskets a
JOIN baskets b ON a.customer = b.customer AND a.item <> b.item
JOIN items ia ON ia.item = a.item
JOIN items ib ON ib.item = b.item
CROSS JOIN total t
GROUP BY a.item, b.item, ia.n, ib.n, t.n
ORDER BY antecedent, consequent
