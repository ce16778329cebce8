-- mart_task_ownership: whether each task has owners and a deadline (任务责任落实).
-- grain: one row per (period, scope_code), for every county and city valid in the period and the province.
-- columns:
--   tasks_total 任务总数 / task rows of the current submissions
--   fully_owned 责任完整任务数 / tasks with a lead_unit, at least one responsible unit, a leader,
--     and deadline_kind date or ongoing
--   ownership_rate 责任落实率 / fully_owned / tasks_total
with scope_units as (
    select * from int_scope_units
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
        period,
        region_code,
        lead_unit is not null
        and coalesce(len(responsible_units), 0) >= 1
        and leader is not null
        and deadline_kind in ('date', 'ongoing') as is_fully_owned
    from tasks
),

counted as (
    select
        scopes.period,
        scopes.scope_code,
        scopes.scope_level,
        count(task_facts.region_code) as tasks_total,
        count(task_facts.region_code) filter (where task_facts.is_fully_owned) as fully_owned
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
        fully_owned,
        fully_owned / nullif(tasks_total, 0) as ownership_rate
    from counted
)

select * from final
order by period, scope_level, scope_code
