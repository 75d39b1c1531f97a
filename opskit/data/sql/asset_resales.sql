-- asset_resales: each seller's resales of digital assets: how long they held and at what mark-up.
-- tables: asset_trades(trade_id, asset_id, seller_id, buyer_id, trade_time, price)
-- rules:
--   Trades of one asset are ordered by trade_time, then trade_id (ties). A resale is a trade whose
--   previous trade of the same asset exists and was bought by this seller (a chain with a gap, e.g.
--   a transfer outside the log, is not a resale). hold_days = (trade_time − previous trade_time)
--   / 86,400 s; markup = price / previous price.
--   A flip is a resale with hold_days <= $flip_days and markup >= $min_markup.
--   Only trades with trade_time < $as_of. One row per seller with at least one resale.
WITH chained AS (
    SELECT seller_id, trade_time, price,
           lag(buyer_id)   OVER (PARTITION BY asset_id ORDER BY trade_time, trade_id) AS prev_buyer,
           lag(trade_time) OVER (PARTITION BY asset_id ORDER BY trade_time, trade_id) AS prev_time,
           lag(price)      OVER (PARTITION BY asset_id ORDER BY trade_time, trade_id) AS prev_price
    FROM asset_trades
    WHERE trade_time < $as_of
),
resales AS (
    SELECT seller_id, price,
           date_diff('second', prev_time, trade_time) / 86400.0 AS hold_days,
           price / prev_price                                   AS markup
    FROM chained
    WHERE prev_buyer = seller_id AND prev_price > 0
)
SELECT seller_id,
       count(*)                                                                     AS resales,
       sum(CASE WHEN hold_days <= $flip_days AND markup >= $min_markup THEN 1 ELSE 0 END) AS flips,
       avg(hold_days)                                                               AS mean_hold_days,
       avg(markup)                                                                  AS mean_markup,
       sum(price)                                                                   AS resale_value
FROM resales
GROUP BY seller_id
ORDER BY seller_id
