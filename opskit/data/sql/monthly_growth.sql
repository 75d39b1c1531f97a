-- monthly_growth: growth value (成长值) earned per user and calendar month: spend plus task rewards.
-- tables: orders(user_id, order_time, amount), task_log(user_id, task_id, completed_time),
--         tasks(task_id, growth_reward)
-- rules:
--   month = date_trunc('month', time); only rows with $start <= time < $end.
--   spend_growth = $per_yuan × sum(amount); task_growth = sum(growth_reward) of the completions
--   (a task missing from the catalogue earns 0). growth = spend_growth + task_growth.
--   Sorted by user_id, month.
WITH flows AS (
    SELECT user_id, date_trunc('month', order_time) AS month, $per_yuan * amount AS spend_growth,
           0.0 AS task_growth
    FROM orders WHERE order_time >= $start AND order_time < $end
    UNION ALL
    SELECT l.user_id, date_trunc('month', l.completed_time), 0.0, coalesce(t.growth_reward, 0.0)
    FROM task_log l LEFT JOIN tasks t ON l.task_id = t.task_id
    WHERE l.completed_time >= $start AND l.completed_time < $end
)
SELECT user_id, month, sum(spend_growth) AS spend_growth, sum(task_growth) AS task_growth,
       sum(spend_growth) + sum(task_growth) AS growth
FROM flows
GROUP BY user_id, month
ORDER BY user_id, month
