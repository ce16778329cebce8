-- int_scope_units: which units each reporting scope pools, per period.
-- grain: one row per (period, scope_code, unit_code).
-- A county pools itself; a city pools itself and its counties; a province pools every region
-- below it and itself; a provincial department (level department) pools itself only, and no
-- region scope pools it (省直部门 form their own scope tree). Only units valid in the period (valid_from ≤ E, valid_to ≥ period start)
-- take part, as scopes or as members.
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / the pooling scope
--   scope_level 口径层级 / county, city, province or department
--   unit_code 成员单位代码 / a unit the scope pools
--   unit_level 成员单位层级 / that unit's level
with periods as (
    select * from int_periods
),

roster as (
    select * from stg_roster
),

valid_units as (
    select
        periods.period,
        roster.code,
        roster.level,
        roster.parent_code,
        parent.parent_code as grandparent_code
    from periods
    inner join roster
        on (roster.valid_from is null or roster.valid_from <= periods.period_end)
        and (roster.valid_to is null or roster.valid_to >= periods.period_start)
    left join roster as parent
        on parent.code = roster.parent_code
),

county_scopes as (
    select
        period,
        code as scope_code,
        'county' as scope_level,
        code as unit_code,
        level as unit_level
    from valid_units
    where level = 'county'
),

city_scopes as (
    select
        city.period,
        city.code as scope_code,
        'city' as scope_level,
        member.code as unit_code,
        member.level as unit_level
    from valid_units as city
    inner join valid_units as member
        on member.period = city.period
        and (member.code = city.code or member.parent_code = city.code)
    where city.level = 'city'
),

province_scopes as (
    select
        province.period,
        province.code as scope_code,
        'province' as scope_level,
        member.code as unit_code,
        member.level as unit_level
    from valid_units as province
    inner join valid_units as member
        on member.period = province.period
        and (
            member.code = province.code
            or member.parent_code = province.code
            or member.grandparent_code = province.code
        )
        -- Departments are assessed on their own and never pooled into a region's figures.
        and member.level <> 'department'
    where province.level = 'province'
),

department_scopes as (
    select
        period,
        code as scope_code,
        'department' as scope_level,
        code as unit_code,
        level as unit_level
    from valid_units
    where level = 'department'
)

select * from county_scopes
union all
select * from city_scopes
union all
select * from province_scopes
union all
select * from department_scopes
