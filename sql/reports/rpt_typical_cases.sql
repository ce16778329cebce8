-- rpt_typical_cases: the report's table of typical reform cases (改革典型案例) in the period's year,
--   as mart_typical_cases.
-- grain: one row per (period, scope_code): the scopes of the period that mart_typical_cases has a
--   row for in the period's year.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / the unit's report order
--   unit_name 单位 / the unit
--   level_zh 层级 / 省, 市（州） or 县（市、区）
--   year 年度 / the period's year
--   cases 典型案例数 / cases in the year
--   national 国家级 / recognised nationally
--   provincial 省级 / recognised by the province
--   city 市级 / recognised by a city
--   county 县级 / recognised by a county
--   from_pilots 源自试点 / cases from a pilot
--   from_pilots_share 试点占比 / from_pilots / cases
--   pilots_with_case 产出案例的试点 / distinct pilots named by the cases
--   minimum_met 达到年度要求 / cases ≥ [compliance] cases_per_year
with figures as (
    select * from mart_typical_cases
),

scopes as (
    select int_report_scopes.*, year(int_periods.period_end) as year
    from int_report_scopes
    inner join int_periods
        using (period)
)

select
    scopes.period,
    scopes.scope_order as row_order,
    scopes.unit_name,
    scopes.level_zh,
    figures.year,
    figures.cases,
    figures.national,
    figures.provincial,
    figures.city,
    figures.county,
    figures.from_pilots,
    figures.from_pilots_share,
    figures.pilots_with_case,
    figures.minimum_met
from figures
inner join scopes
    on scopes.year = figures.year
    and scopes.scope_code = figures.scope_code
