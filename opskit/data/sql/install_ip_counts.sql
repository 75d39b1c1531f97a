-- install_ip_counts: installs per channel and IP address.
-- tables: installs(channel_id, ip)
-- rules: n = rows per (channel_id, ip); a missing channel or IP is its own NULL group.
--   Sorted by channel_id, ip.
SELECT channel_id, ip, count(*) AS n
FROM installs
GROUP BY channel_id, ip
ORDER BY channel_id, ip
