-- creator_earnings: what each creator earned from their digital assets: first sales and royalties.
-- tables: asset_trades(asset_id, creator_id, seller_id, trade_time, price, royalty, seller_income)
-- rules:
--   Only trades with trade_time < $as_of. primary_income = seller_income of trades the creator sold
--   themselves (seller_id = creator_id); royalties = royalty of every trade of their assets;
--   assets = distinct asset_id; trades = all trades of their assets. No rounding.
SELECT creator_id,
       count(DISTINCT asset_id)                                              AS assets,
       count(*)                                                              AS trades,
       sum(CASE WHEN seller_id = creator_id THEN seller_income ELSE 0 END)   AS primary_income,
       sum(royalty)                                                          AS royalties
FROM asset_trades
WHERE trade_time < $as_of
GROUP BY creator_id
ORDER BY creator_id
