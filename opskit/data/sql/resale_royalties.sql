-- resale_royalties: royalties paid on resales and on first sales of digital assets.
-- tables: trades(seller_id, creator_id, royalty, price)
-- rules:
--   A resale is a trade whose seller is not the asset's creator; a first sale is sold by its creator.
--   resale_royalty and resale_value are summed over resales; primary_royalty over first sales
--   (it should be 0: a creator does not pay themselves). No rounding.
SELECT sum(CASE WHEN seller_id <> creator_id THEN royalty ELSE 0 END) AS resale_royalty,
       sum(CASE WHEN seller_id <> creator_id THEN price ELSE 0 END)   AS resale_value,
       sum(CASE WHEN seller_id = creator_id THEN royalty ELSE 0 END)  AS primary_royalty
FROM trades
