-- mart_task_completion: completion of due reform tasks (改革任务完成情况).
-- grain: one row per (period, scope_code), for every county, city and provincial department valid
--   in the period, and the province (which pools the regions only).
-- Rows come from the current tasks submission of each pooled unit for that period. "Done" means
-- status done only: ongoing or unknown on a due task counts as open.
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city, province or department
--   tasks_total 任务总数 / task rows
--   tasks_due 到期任务数 / tasks with deadline_on ≤ E
--   due_done 到期已完成 / due and done
--   completion_rate 完成率 / due_done / tasks_due
--   on_time_done 按期完成 / due, done, completed_on present and ≤ deadline_on
--   on_time_rate 按期完成率 / on_time_done / tasks_due
--   overdue_open 逾期未完成 / due and not done
--   major_due 重大任务到期数 / due tasks marked is_major
--   major_due_done 重大任务到期已完成 / due, major and done
--   major_completion_rate 重大任务完成率 / major_due_done / major_due
with members as (
    -- One row per scope and pooled unit; every scope pools itself, so a scope
    -- with no facts still has its row (test assert_scopes_pool_themselves).
    select * from int_scope_units
),

facts as (
    select * from int_task_facts
),

counted as (
    select
        members.period,
        members.scope_code,
        members.scope_level,
        count(facts.submission_id) as tasks_total,
        count(facts.submission_id) filter (where facts.tasks_due) as tasks_due,
        count(facts.submission_id) filter (where facts.due_done) as due_done,
        count(facts.submission_id) filter (where facts.on_time_done) as on_time_done,
        count(facts.submission_id) filter (where facts.overdue_open) as overdue_open,
        count(facts.submission_id) filter (where facts.major_due) as major_due,
        count(facts.submission_id) filter (where facts.major_due_done) as major_due_done
    from members
    left join facts
        on facts.period = members.period
        and facts.region_code = members.unit_code
    group by members.period, members.scope_code, members.scope_level
)

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
order by period, scope_level, scope_code
