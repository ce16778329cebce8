-- int_scope_tasks: each current task row in every scope that pools it, with the facts the task marts count.
-- grain: one row per (period, scope_code, submission_id, source_sheet, source_row); a scope with no
--   task rows has one row with null task columns, so it still reaches the marts.
-- columns: period; scope_code, scope_level; submission_id, source_sheet, source_row (the cell's row,
--   for tracing a figure back); is_due (deadline_on ≤ E); is_done (status done only);
--   is_done_by_deadline (completed_on ≤ deadline_on); is_major; is_fully_owned (lead_unit, ≥1
--   responsible unit, leader, deadline_kind date or ongoing).
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
        tasks.submission_id,
        tasks.source_sheet,
        tasks.source_row,
        tasks.deadline_on <= periods.period_end as is_due,
        tasks.status = 'done' as is_done,
        coalesce(tasks.completed_on <= tasks.deadline_on, false) as is_done_by_deadline,
        coalesce(tasks.is_major, false) as is_major,
        tasks.lead_unit is not null
        and coalesce(len(tasks.responsible_units), 0) >= 1
        and tasks.leader is not null
        and tasks.deadline_kind in ('date', 'ongoing') as is_fully_owned
    from tasks
    inner join periods
        on periods.period = tasks.period
),

pooled as (
    select
        scopes.period,
        scopes.scope_code,
        scopes.scope_level,
        task_facts.submission_id,
        task_facts.source_sheet,
        task_facts.source_row,
        task_facts.is_due,
        task_facts.is_done,
        task_facts.is_done_by_deadline,
        task_facts.is_major,
        task_facts.is_fully_owned
    from scopes
    left join scope_units
        on scope_units.period = scopes.period
        and scope_units.scope_code = scopes.scope_code
    left join task_facts
        on task_facts.period = scope_units.period
        and task_facts.region_code = scope_units.unit_code
)

select * from pooled
-- A scope row without tasks stays once, however many task-less units it pools.
qualify submission_id is not null
    or row_number() over (partition by period, scope_code order by submission_id nulls last) = 1
