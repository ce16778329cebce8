-- int_rectification_facts: each current rectification item (整改事项) with the facts
--   mart_rectification counts.
-- grain: one row per rectification row of a current submission (submission_id, source_sheet, source_row).
-- columns:
--   period 周期 / the row's period
--   region_code 填报单位代码 / the unit whose ledger holds the row
--   submission_id 报送编号 / the submission (file) the row came from
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   source_cell 单元格 / A1 reference of the problem cell
--   items_due 是否到期 / deadline_on ≤ E
--   closed_due 到期已整改 / due and status done (已整改/已销号)
--   overdue_open 逾期未整改 / due and not done
with items as (
    select * from stg_rectifications
),

periods as (
    select * from int_periods
),

flags as (
    select
        items.*,
        coalesce(items.deadline_on <= periods.period_end, false) as is_due,
        coalesce(items.status = 'done', false) as is_done
    from items
    inner join periods
        on periods.period = items.period
)

select
    period,
    region_code,
    submission_id,
    source_sheet,
    source_row,
    source_cell,
    is_due as items_due,
    is_due and is_done as closed_due,
    is_due and not is_done as overdue_open
from flags
