-- value_points: mean importance and mean rating of each brand on each value point.
-- tables: value_survey(respondent_id, brand, value_point, importance, rating)
-- rules: one row per (value_point, brand); answers = rows; respondents = distinct respondent_id;
--   importance and rating are plain means over the rows (NULLs ignored); sorted by value_point, brand.
SELECT value_point,
       brand,
       count(*) AS answers,
       count(DISTINCT respondent_id) AS respondents,
       avg(importance) AS importance,
       avg(rating) AS rating
FROM value_survey
GROUP BY value_point, brand
ORDER BY value_point, brand
