-- first_completions: the first time each user completed each task, with the task's chain step and reward.
-- tables: task_log(user_id, task_id, completed_time), tasks(task_id, chain_step, growth_reward)
-- rules:
--   only completions before $as_of; first_time = min(completed_time); completions = rows.
--   Tasks missing from the catalogue keep NULL chain_step and growth_reward (left join).
--   Sorted by user_id, task_id.
SELECT l.user_id, l.task_id, min(l.completed_time) AS first_time, count(*) AS completions,
       min(t.chain_step) AS chain_step, min(t.growth_reward) AS growth_reward
FROM task_log l LEFT JOIN tasks t ON l.task_id = t.task_id
WHERE l.completed_time < $as_of
GROUP BY l.user_id, l.task_id
ORDER BY l.user_id, l.task_id
