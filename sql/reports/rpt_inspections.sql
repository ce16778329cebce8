-- rpt_inspections: the report's table of inspection (督察): each unit's inspections in the
--   period's year by mode, what they found and whether it went out as a notice, and the plans due
--   for the year's inspection, as mart_inspections.
-- grain: one row per (period, scope_code): the scopes of the period that mart_inspections has a
--   row for in the period's year.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / the unit's report order
--   unit_name 单位 / the unit
--   level_zh 层级 / 省, 市（州）, 县（市、区） or 省直部门
--   year 年度 / the period's year
--   inspections 督察次数 / inspections begun in the year
--   onsite 实地督察 / on the ground
--   covert 暗访 / unannounced
--   joint 联合督察 / joint with other offices
--   third_party 第三方评估 / evaluated by a third party
--   desk_share 案头督察率 / inspections not shown to be on site, over inspections
--   findings 发现问题数 / problems found
--   inspections_with_findings 发现问题的督察 / inspections that found problems
--   findings_noticed 问题已督办 / of those, whose notice is in the unit's rectification ledgers
--   plans_due 应督察方案 / plans due for the year's inspection
--   plans_inspected 已督察方案 / of those, inspected in the year
--   plan_inspection_rate 方案督察率 / plans_inspected / plans_due
--   reports_filed 评估报告已报送 / reports filed with the office one level up
with figures as (
    select * from mart_inspections
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
    figures.inspections,
    figures.onsite,
    figures.covert,
    figures.joint,
    figures.third_party,
    figures.desk_share,
    figures.findings,
    figures.inspections_with_findings,
    figures.findings_noticed,
    figures.plans_due,
    figures.plans_inspected,
    figures.plan_inspection_rate,
    figures.reports_filed
from figures
inner join scopes
    on scopes.year = figures.year
    and scopes.scope_code = figures.scope_code
