-- rpt_pilots: the report's pilots table (改革试点情况).
-- grain: one row per (period, scope_code), as mart_pilots.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / province first, then cities, then counties, each by code
--   unit_name 单位 / the scope's name
--   scope_code 代码 / the scope's code
--   level_zh 层级 / 省, 市（州） or 县（市、区）
--   pilots_active 在试试点 / pilots not ended by E
--   overterm 超期试点 / active pilots started more than 24 months before E
--   overterm_rate 超期率 / overterm / pilots_active
--   fully_set_up 组织健全 / active, with a lead leader, a plan and a team
--   setup_rate 组织健全率 / fully_set_up / pilots_active
--   filed_rate 备案率 / active pilots filed / pilots_active
with figures as (
    select * from mart_pilots
),

scopes as (
    select * from int_report_scopes
),

named as (
    select
        figures.period,
        scopes.scope_order as row_order,
        scopes.unit_name,
        figures.scope_code,
        scopes.level_zh,
        figures.pilots_active,
        figures.overterm,
        figures.overterm_rate,
        figures.fully_set_up,
        figures.setup_rate,
        figures.filed_rate
    from figures
    inner join scopes
        on scopes.period = figures.period
        and scopes.scope_code = figures.scope_code
)

select * from named
