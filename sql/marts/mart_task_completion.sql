-- mart_task_completion: completion of due reform tasks (改革任务完成情况).
-- grain: one row per (period, scope_code), for every county and city valid in the period and the province.
-- Rows come from the current tasks submission of each pooled unit for that period. "Done" means
-- status done only: ongoing or unknown on a due task counts as open.
-- columns:
--   tasks_total 任务总数 / task rows
--   tasks_due 到期任务数 / tasks with deadline_on ≤ E
--   due_done 到期已完成 / due and done
--   completion_rate 完成率 / due_done / tasks_due
--   on_time_done 按期完成 / due, done, completed_on present and ≤ deadline_on
--   on_time_rate 按期完成率 / on_time_done / tasks_due
--   overdue_open 逾期未完成 / due and not done
--   major_due, major_due_done, major_completion_rate 重大改革任务 / the same for is_major tasks
with scope_tasks as (
    select * from int_scope_tasks
),

counted as (
    select
        period,
        scope_code,
        scope_level,
        count(submission_id) as tasks_total,
        count(submission_id) filter (where is_due) as tasks_due,
        count(submission_id) filter (where is_due and is_done) as due_done,
        count(submission_id) filter (where is_due and is_done and is_done_by_deadline) as on_time_done,
        count(submission_id) filter (where is_due and not is_done) as overdue_open,
        count(submission_id) filter (where is_due and is_major) as major_due,
        count(submission_id) filter (where is_due and is_major and is_done) as major_due_done
    from scope_tasks
    group by period, scope_code, scope_level
),

final as (
    select
        period,
        scope_code,
        scope_level,
        tasks_total,
        tasks_due,
        due_done,
        due_done / nullif(tasks_due, 0) as completion_rate,
        on_time_done,
        on_time_done / nullif(tasks_due, 0) as on_time_rate,
        overdue_open,
        major_due,
        major_due_done,
        major_due_done / nullif(major_due, 0) as major_completion_rate
    from counted
)

select * from final
order by period, scope_level, scope_code
