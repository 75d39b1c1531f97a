-- kol_response: each 达人's supply-chain requests and how fast they were answered.
-- tables: kol_requests(kol_id, request_time, response_hours)
-- rules:
--   Only requests with request_time < $as_of. mean_hours = avg(response_hours);
--   over_sla = requests answered in more than $sla_hours hours (strictly); no rounding.
SELECT kol_id,
       count(*)                                                  AS requests,
       avg(response_hours)                                       AS mean_hours,
       max(response_hours)                                       AS max_hours,
       sum(CASE WHEN response_hours > $sla_hours THEN 1 ELSE 0 END) AS over_sla
FROM kol_requests
WHERE request_time < $as_of
GROUP BY kol_id
ORDER BY kol_id
