-- rpt_plan_supervision: the report's special plans table (专项改革方案：审议、督察与销账).
-- grain: one row per (period, scope_code), as mart_plan_supervision.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / province first, then cities, then counties, each by code
--   unit_name 单位 / the scope's name
--   scope_code 代码 / the scope's code
--   level_zh 层级 / 省, 市（州） or 县（市、区）
--   plans_issued 已出台方案 / issued_on ≤ E
--   review_rate 上会审议率 / issued after review / issued
--   issued_without_review 未经审议出台 / issued with no review
--   issued_before_review 先出台后审议 / issued before its review
--   docking_plans 对接中央方案 / docks a central plan
--   docking_issued_after_review 对接方案先审议后出台 / docking, issued after review
--   supervision_coverage 督察覆盖率 / evaluated this year / in scope
--   evaluation_overdue 超期未评估 / in scope, no evaluation in the last 6 months
--   closable_not_closed 应销未销 / all items done, not closed
--   closed_with_open_items 带未完成事项销账 / closed with items open
with figures as (
    select * from mart_plan_supervision
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
        figures.plans_issued,
        figures.review_rate,
        figures.issued_without_review,
        figures.issued_before_review,
        figures.docking_plans,
        figures.docking_issued_after_review,
        figures.supervision_coverage,
        figures.evaluation_overdue,
        figures.closable_not_closed,
        figures.closed_with_open_items
    from figures
    inner join scopes
        on scopes.period = figures.period
        and scopes.scope_code = figures.scope_code
)

select * from named
