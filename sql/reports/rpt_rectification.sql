-- rpt_rectification: the report's rectification table (督察整改情况).
-- grain: one row per (period, scope_code), as mart_rectification.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / province first, then cities, then counties, each by code
--   unit_name 单位 / the scope's name
--   scope_code 代码 / the scope's code
--   level_zh 层级 / 省, 市（州） or 县（市、区）
--   items_total 整改事项 / rectification items
--   items_due 到期事项 / items with deadline_on ≤ E
--   closed_due 到期已整改 / due and done
--   closure_rate 整改完成率 / closed_due / items_due
--   overdue_open 逾期未整改 / due and not done
--   closed_late 超期销号 / done with closed_on after the deadline
--   closed_without_date 销号无日期 / done with no closed_on
--   closed_without_recheck 未复查销号 / done with no recheck (复查)
--   overdue_not_rechecked 逾期未复查 / overdue, open, no recheck within recheck_days
--   milestones_missed 进度节点未跟进 / not done, a milestone passed with no report since
with figures as (
    select * from mart_rectification
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
        figures.items_total,
        figures.items_due,
        figures.closed_due,
        figures.closure_rate,
        figures.overdue_open,
        figures.closed_late,
        figures.closed_without_date,
        figures.closed_without_recheck,
        figures.overdue_not_rechecked,
        figures.milestones_missed
    from figures
    inner join scopes
        on scopes.period = figures.period
        and scopes.scope_code = figures.scope_code
)

select * from named
