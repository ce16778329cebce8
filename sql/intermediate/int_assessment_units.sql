-- int_assessment_units: the units the annual assessment scores, and the quarters each is
--   expected in: every city, county and provincial department of the roster valid in the quarter.
-- grain: one row per (year, period, unit_code).
-- columns:
--   year 年度 / the calendar year assessed
--   period 周期 / an assessed quarter (int_assessment_quarters)
--   period_end 截止日 / the quarter's last day
--   is_cut_off 截止季度 / the year's last assessed quarter
--   unit_code 单位代码 / the unit assessed
--   unit_level 单位层级 / city, county or department
--   category 部门类别 / a department's series (party, government), null when not given or a region
with quarters as (
    select * from int_assessment_quarters
),

roster as (
    select * from stg_roster
)

select
    quarters.year,
    quarters.period,
    quarters.period_end,
    quarters.is_cut_off,
    roster.code as unit_code,
    roster.level as unit_level,
    case when roster.level = 'department' then roster.category end as category
from quarters
inner join roster
    on (roster.valid_from is null or roster.valid_from <= quarters.period_end)
    and (roster.valid_to is null or roster.valid_to >= quarters.period_start)
where roster.level in ('city', 'county', 'department')
