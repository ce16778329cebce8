-- int_year_scope_units: which units each reporting scope pools over a calendar year, for the
--   marts kept per year (mart_inspections): the scopes of int_scope_units in any period of the
--   year, with the units they pool then.
-- grain: one row per (year, scope_code, unit_code).
-- A unit valid in part of the year takes part for the year; the province pools the regions only
-- and a department itself, as in every period.
-- columns:
--   year 年度 / the calendar year of a reporting period
--   scope_code 口径代码 / the pooling scope
--   scope_level 口径层级 / county, city, province or department
--   unit_code 成员单位代码 / a unit the scope pools
--   unit_level 成员单位层级 / that unit's level
with scope_units as (
    select * from int_scope_units
),

periods as (
    select * from int_periods
)

select distinct
    year(periods.period_end) as year,
    scope_units.scope_code,
    scope_units.scope_level,
    scope_units.unit_code,
    scope_units.unit_level
from scope_units
inner join periods
    using (period)
