-- spend_by_channel: paid media totals per channel over the whole table.
-- tables: channel_spend(channel_id, spend, impressions, clicks)
-- rules: plain sums over every day of a channel; sorted by channel_id.
SELECT channel_id,
       sum(spend) AS spend,
       CAST(sum(impressions) AS BIGINT) AS impressions,
       CAST(sum(clicks) AS BIGINT) AS clicks
FROM channel_spend
GROUP BY channel_id
ORDER BY channel_id
