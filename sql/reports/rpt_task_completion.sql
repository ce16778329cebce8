-- rpt_task_completion: the report's task completion and ownership by unit (改革任务完成情况).
-- grain: one row per (period, scope_code), as mart_task_completion.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / province first, then cities, then counties, each by code
--   unit_name 单位 / the scope's name
--   scope_code 代码 / the scope's code
--   level_zh 层级 / 省, 市（州） or 县（市、区）
--   tasks_total 任务总数 / task rows
--   tasks_due 到期任务 / tasks with deadline_on ≤ E
--   due_done 到期已完成 / due and done
--   completion_rate 完成率 / due_done / tasks_due
--   on_time_rate 按期完成率 / on_time_done / tasks_due
--   overdue_open 逾期未完成 / due and not done
--   major_due 重大任务到期 / due tasks marked is_major
--   major_completion_rate 重大任务完成率 / major_due_done / major_due
--   ownership_rate 责任落实率 / fully owned tasks / tasks_total
with completion as (
    select * from mart_task_completion
),

ownership as (
    select * from mart_task_ownership
),

scopes as (
    select * from int_report_scopes
),

named as (
    select
        completion.period,
        scopes.scope_order as row_order,
        scopes.unit_name,
        completion.scope_code,
        scopes.level_zh,
        completion.tasks_total,
        completion.tasks_due,
        completion.due_done,
        completion.completion_rate,
        completion.on_time_rate,
        completion.overdue_open,
        completion.major_due,
        completion.major_completion_rate,
        ownership.ownership_rate
    from completion
    inner join ownership
        on ownership.period = completion.period
        and ownership.scope_code = completion.scope_code
    inner join scopes
        on scopes.period = completion.period
        and scopes.scope_code = completion.scope_code
)

select * from named
