-- rpt_ledger_change_counts: the report's table of changes between ledgers by unit (台账变动统计).
-- grain: one row per (period, scope_code) of mart_ledger_change_counts.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / province first, then cities, then counties, each by code
--   unit_name 单位 / the scope's name
--   scope_code 代码 / the scope's code
--   level_zh 层级 / 省, 市（州） or 县（市、区）
--   deadline_later 延期 / deadlines later than last period's
--   deadline_pushed_back 无说明延期 / of which with no remarks
--   status_regressed 状态倒退 / finished last period, not now
--   reopened 整改重新打开 / rectification done last period, open now
--   major_dropped 取消重大标记 / major last period, not now
--   row_removed 事项消失 / unfinished rows gone from this period's ledger
--   row_added 新增事项 / rows new in this period's ledger
--   changed_in_resubmission 更正修改 / cells changed by a resubmission
--   changes_total 变动合计 / every change
with figures as (
    select * from mart_ledger_change_counts
),

scopes as (
    select * from int_report_scopes
)

select
    figures.period,
    scopes.scope_order as row_order,
    scopes.unit_name,
    figures.scope_code,
    scopes.level_zh,
    figures.deadline_later,
    figures.deadline_pushed_back,
    figures.status_regressed,
    figures.reopened,
    figures.major_dropped,
    figures.row_removed,
    figures.row_added,
    figures.changed_in_resubmission,
    figures.changes_total
from figures
inner join scopes
    on scopes.period = figures.period
    and scopes.scope_code = figures.scope_code
