-- int_year_units: the units judged per calendar year by the yearly duties (mart_publicity,
--   mart_typical_cases): every unit valid in a period of the year whose level [expect] asks for
--   any ledger (cities and counties by default).
-- grain: one row per (year, unit_code).
-- columns:
--   year 年度 / the calendar year of a reporting period
--   unit_code 单位代码 / the unit
--   unit_level 单位层级 / county, city, province or department
select distinct
    year(periods.period_end) as year,
    scope_units.unit_code,
    scope_units.unit_level
from int_scope_units as scope_units
inner join int_periods as periods
    using (period)
where scope_units.scope_code = scope_units.unit_code
    and scope_units.unit_level in (select level from stg_config_expect)
