-- mart_task_ownership: whether each task has owners and a deadline (任务责任落实).
-- grain: one row per (period, scope_code), for every county and city valid in the period and the province.
-- columns:
--   tasks_total 任务总数 / task rows of the current submissions
--   fully_owned 责任完整任务数 / tasks with a lead_unit, at least one responsible unit, a leader,
--     and deadline_kind date or ongoing
--   ownership_rate 责任落实率 / fully_owned / tasks_total
with scope_tasks as (
    select * from int_scope_tasks
),

counted as (
    select
        period,
        scope_code,
        scope_level,
        count(submission_id) as tasks_total,
        count(submission_id) filter (where is_fully_owned) as fully_owned
    from scope_tasks
    group by period, scope_code, scope_level
),

final as (
    select
        period,
        scope_code,
        scope_level,
        tasks_total,
        fully_owned,
        fully_owned / nullif(tasks_total, 0) as ownership_rate
    from counted
)

select * from final
order by period, scope_level, scope_code
