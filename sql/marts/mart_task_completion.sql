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
with scope_units as (
    select * from int_scope_units
),

periods as (
    select * from int_periods
),

tasks as (
    select * from stg_tasks
),

scopes as (
    select distinct period, scope_code, scope_level
    from scope_units
),

task_facts as (
    select
        tasks.period,
        tasks.region_code,
        tasks.deadline_on <= periods.period_end as is_due,
        tasks.status = 'done' as is_done,
        coalesce(tasks.completed_on <= tasks.deadline_on, false) as is_done_by_deadline,
        coalesce(tasks.is_major, false) as is_major
    from tasks
    inner join periods
        on periods.period = tasks.period
),

counted as (
    select
        scopes.period,
        scopes.scope_code,
        scopes.scope_level,
        count(task_facts.region_code) as tasks_total,
        count(task_facts.region_code) filter (where task_facts.is_due) as tasks_due,
        count(task_facts.region_code) filter (where task_facts.is_due and task_facts.is_done) as due_done,
        count(task_facts.region_code) filter (
            where task_facts.is_due and task_facts.is_done and task_facts.is_done_by_deadline
        ) as on_time_done,
        count(task_facts.region_code) filter (where task_facts.is_due and not task_facts.is_done) as overdue_open,
        count(task_facts.region_code) filter (where task_facts.is_due and task_facts.is_major) as major_due,
        count(task_facts.region_code) filter (
            where task_facts.is_due and task_facts.is_major and task_facts.is_done
        ) as major_due_done
    from scopes
    left join scope_units
        on scope_units.period = scopes.period
        and scope_units.scope_code = scopes.scope_code
    left join task_facts
        on task_facts.period = scope_units.period
        and task_facts.region_code = scope_units.unit_code
    group by scopes.period, scopes.scope_code, scopes.scope_level
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
