-- mart_assignment_docking: whether the tasks the province assigned (任务分解) reached the ledgers
--   of the units assigned (台账对接).
-- grain: one row per (year, scope_code), for every scope of int_year_scope_units in a year the
--   office assigned tasks for; a scope pools the assignments of the units it pools.
-- Counts are of the counted assignments of int_assignments.
-- columns:
--   year 年度 / the year the tasks are assigned for
--   scope_code 口径代码 / the pooling scope
--   scope_level 口径层级 / county, city, province or department
--   assigned 分解任务数 / tasks assigned to the units pooled
--   found 已纳入台账 / of those, present in the assignee's tasks ledgers of the year (titles equal
--     after normalisation, or one containing the other with the shorter at least 8 characters)
--   missing 未纳入台账 / assigned − found
--   deadline_later 时限推后 / found with a later deadline than assigned
with years as (
    select distinct year
    from int_assignments
),

members as (
    select int_year_scope_units.*
    from int_year_scope_units
    inner join years
        using (year)
),

assignments as (
    select * from int_assignments
    where is_counted
),

counted as (
    select
        members.year,
        members.scope_code,
        members.scope_level,
        count(assignments.submission_id) as assigned,
        count(assignments.submission_id) filter (where assignments.found) as found,
        count(assignments.submission_id) filter (where assignments.deadline_later) as deadline_later
    from members
    left join assignments
        on assignments.year = members.year
        and assignments.lead_code = members.unit_code
    group by members.year, members.scope_code, members.scope_level
)

select
    year,
    scope_code,
    scope_level,
    assigned,
    found,
    assigned - found as missing,
    deadline_later
from counted
order by year, scope_level, scope_code
