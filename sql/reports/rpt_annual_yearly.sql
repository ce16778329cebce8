-- rpt_annual_yearly: the report's yearly figures beside the annual assessment: each unit's
--   assignments docking (任务分解对接), inspections (督察) and leaders' roll-up (述职).
-- grain: one row per (year, section, row_order).
-- columns:
--   year 年度 / the year
--   section 栏目 / docking, inspections or leaders
--   row_order 排序 / the row's order within its section
--   unit_name 单位 / the unit (a scope: its figures pool the units under it)
--   leader 领导 / the leader (leaders only)
--   figure_1 指标1 / docking: tasks assigned; inspections: inspections; leaders: tasks
--   figure_2 指标2 / docking: found in the ledgers; inspections: on the ground; leaders: major
--   figure_3 指标3 / docking: missing; inspections: problems found; leaders: done
--   figure_4 指标4 / docking: found with a later deadline; inspections: findings noticed;
--     leaders: overdue and open
with roster as (
    select code, name, level from stg_roster
),

levels as (
    select code, case level when 'province' then 1 when 'city' then 2 when 'county' then 3 else 4 end as level_order
    from roster
)

select
    docking.year,
    'docking' as section,
    row_number() over (partition by docking.year order by levels.level_order, docking.scope_code) as row_order,
    roster.name as unit_name,
    cast(null as varchar) as leader,
    docking.assigned as figure_1,
    docking.found as figure_2,
    docking.missing as figure_3,
    docking.deadline_later as figure_4
from mart_assignment_docking as docking
inner join roster
    on roster.code = docking.scope_code
inner join levels
    on levels.code = docking.scope_code
where docking.assigned > 0
union all
select
    inspections.year,
    'inspections',
    row_number() over (partition by inspections.year order by levels.level_order, inspections.scope_code),
    roster.name,
    null,
    inspections.inspections,
    inspections.onsite,
    inspections.findings,
    inspections.findings_noticed
from mart_inspections as inspections
inner join roster
    on roster.code = inspections.scope_code
inner join levels
    on levels.code = inspections.scope_code
where inspections.inspections > 0
union all
select
    leaders.year,
    'leaders',
    row_number() over (partition by leaders.year order by levels.level_order, leaders.scope_code, leaders.leader),
    roster.name,
    leaders.leader,
    leaders.tasks,
    leaders.major,
    leaders.done,
    leaders.overdue_open
from mart_leaders as leaders
inner join roster
    on roster.code = leaders.scope_code
inner join levels
    on levels.code = leaders.scope_code
