-- rpt_task_completion_by_domain: task completion by reform domain, province-wide (改革任务完成情况（按领域）).
-- grain: one row per (period, domain); tasks with no domain are one row, （未分领域）.
-- Each task counts once, under the unit that listed it, when that unit is valid in the period
-- (ledgers of a unit not valid in their period count nowhere).
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / by due tasks, most first, then domain
--   domain 改革领域 / the domain from the ledger's section rows
--   tasks_total 任务总数 / task rows
--   tasks_due 到期任务 / tasks with deadline_on ≤ E
--   due_done 到期已完成 / due and done
--   completion_rate 完成率 / due_done / tasks_due
--   overdue_open 逾期未完成 / due and not done
with facts as (
    select * from int_task_facts
),

valid_units as (
    select * from int_scope_units
    where scope_code = unit_code
),

counted as (
    select
        facts.period,
        coalesce(facts.domain, '（未分领域）') as domain,
        count(*) as tasks_total,
        count_if(facts.tasks_due) as tasks_due,
        count_if(facts.due_done) as due_done,
        count_if(facts.due_done) / nullif(count_if(facts.tasks_due), 0) as completion_rate,
        count_if(facts.overdue_open) as overdue_open
    from facts
    inner join valid_units
        on valid_units.period = facts.period
        and valid_units.unit_code = facts.region_code
    group by all
),

ordered as (
    select
        period,
        row_number() over (
            partition by period
            order by tasks_due desc, domain
        ) as row_order,
        domain,
        tasks_total,
        tasks_due,
        due_done,
        completion_rate,
        overdue_open
    from counted
)

select * from ordered
