-- rpt_publicity: the report's table of reform publicity (改革宣传): each unit's events and press
--   conferences in the period's year, as mart_publicity.
-- grain: one row per (period, scope_code): the scopes of the period that mart_publicity has a row
--   for in the period's year.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / the unit's report order
--   unit_name 单位 / the unit
--   level_zh 层级 / 省, 市（州） or 县（市、区）
--   year 年度 / the period's year
--   events 宣传活动数 / events in the year
--   press_conferences 新闻发布会 / press conferences in the year
--   media_columns 媒体专栏 / media columns
--   special_reports 专题报道 / special reports
--   minimum_met 达到年度要求 / press conferences ≥ [compliance] press_conferences_per_year
with figures as (
    select * from mart_publicity
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
    figures.events,
    figures.press_conferences,
    figures.media_columns,
    figures.special_reports,
    figures.minimum_met
from figures
inner join scopes
    on scopes.year = figures.year
    and scopes.scope_code = figures.scope_code
