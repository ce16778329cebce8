-- mart_ledger_change_counts: how many changes each scope's ledgers show (台账变动统计).
-- grain: one row per (period, scope_code), for every county, city and provincial department valid
--   in the period, and the province (which pools the regions only).
-- Counts rows of mart_ledger_changes of the units a scope pools, by change type, both comparisons.
-- columns:
--   period 周期 / the newer ledgers' period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city, province or department
--   deadline_later 延期 / change = deadline_later
--   deadline_pushed_back 无说明延期 / deadline_later with no remarks on the newer row
--   deadline_earlier 提前 / change = deadline_earlier
--   status_regressed 状态倒退 / change = status_regressed
--   reopened 整改重新打开 / change = reopened
--   major_dropped 取消重大标记 / change = major_dropped
--   row_removed 事项消失 / change = row_removed
--   row_added 新增事项 / change = row_added
--   changed_in_resubmission 更正修改 / change = changed_in_resubmission
--   changes_total 变动合计 / every change
with members as (
    -- One row per scope and pooled unit; every scope pools itself, so a scope
    -- with no changes still has its row (test assert_scopes_pool_themselves).
    select * from int_scope_units
),

changes as (
    select * from mart_ledger_changes
),

counted as (
    select
        members.period,
        members.scope_code,
        members.scope_level,
        count(changes.change) filter (where changes.change = 'deadline_later') as deadline_later,
        count(changes.change) filter (
            where changes.change = 'deadline_later' and not changes.has_note
        ) as deadline_pushed_back,
        count(changes.change) filter (where changes.change = 'deadline_earlier') as deadline_earlier,
        count(changes.change) filter (where changes.change = 'status_regressed') as status_regressed,
        count(changes.change) filter (where changes.change = 'reopened') as reopened,
        count(changes.change) filter (where changes.change = 'major_dropped') as major_dropped,
        count(changes.change) filter (where changes.change = 'row_removed') as row_removed,
        count(changes.change) filter (where changes.change = 'row_added') as row_added,
        count(changes.change) filter (
            where changes.change = 'changed_in_resubmission'
        ) as changed_in_resubmission,
        count(changes.change) as changes_total
    from members
    left join changes
        on changes.period = members.period
        and changes.scope_code = members.unit_code
    group by members.period, members.scope_code, members.scope_level
)

select *
from counted
order by period, scope_level, scope_code
