-- mart_task_ownership: whether each task has owners and a deadline (任务责任落实).
-- grain: one row per (period, scope_code), for every county, city and provincial department valid
--   in the period, and the province (which pools the regions only).
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city, province or department
--   tasks_total 任务总数 / task rows of the current submissions
--   fully_owned 责任完整任务数 / tasks with a lead_unit, at least one responsible unit, a leader,
--     and deadline_kind date or ongoing
--   ownership_rate 责任落实率 / fully_owned / tasks_total
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
        count(facts.submission_id) filter (where facts.fully_owned) as fully_owned
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
    fully_owned,
    fully_owned / nullif(tasks_total, 0) as ownership_rate
from counted
order by period, scope_level, scope_code
