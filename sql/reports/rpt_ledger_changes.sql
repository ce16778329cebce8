-- rpt_ledger_changes: the report's list of changes between ledgers that need an explanation
--   (台账变动：需说明的变动).
-- grain: one row per row of mart_ledger_changes compared with the previous period whose change is
--   deadline_later without a note, status_regressed, reopened, major_dropped or row_removed.
-- columns:
--   period 周期 / the newer ledger's period
--   row_order 排序 / by unit code, then change, then row key
--   unit_name 单位 / the unit's name
--   scope_code 代码 / the unit's code
--   change_zh 变动 / the change, in Chinese
--   row_key 事项 / the seq or title of the row
--   old_value 上期 / the value in the previous period's ledger
--   new_value 本期 / the value in this period's ledger
--   old_ref 上期出处 / file!sheet!cell in the previous ledger
--   new_ref 本期出处 / file!sheet!cell in this ledger
with changes as (
    select * from mart_ledger_changes
    where comparison = 'previous_period'
        and (
            (change = 'deadline_later' and not has_note)
            or change in ('status_regressed', 'reopened', 'major_dropped', 'row_removed')
        )
),

scopes as (
    select * from int_report_scopes
)

select
    changes.period,
    row_number() over (
        partition by changes.period
        order by changes.scope_code, changes.change, changes.kind, changes.row_key
    ) as row_order,
    scopes.unit_name,
    changes.scope_code,
    case changes.change
        when 'deadline_later' then '无说明延期'
        when 'status_regressed' then '状态倒退'
        when 'reopened' then '整改重新打开'
        when 'major_dropped' then '取消重大标记'
        when 'row_removed' then '未办结即消失'
    end as change_zh,
    changes.row_key,
    changes.old_value,
    changes.new_value,
    changes.old_ref,
    changes.new_ref
from changes
inner join scopes
    on scopes.period = changes.period
    and scopes.scope_code = changes.scope_code
