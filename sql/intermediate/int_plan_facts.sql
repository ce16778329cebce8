-- int_plan_facts: each current special reform plan (专项改革方案) with the facts
--   mart_plan_supervision counts.
-- grain: one row per plan row of a current submission (submission_id, source_sheet, source_row).
-- columns:
--   period 周期 / the row's period
--   region_code 填报单位代码 / the unit whose ledger holds the row
--   submission_id 报送编号 / the submission (file) the row came from
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   source_cell 单元格 / A1 reference of the plan cell
--   plans_in_scope 应督察方案 / issued_on ≤ E − 6 months (same day, clamped to the month's end)
--     and not closed_on ≤ E
--   plans_evaluated 已督察评估 / in scope, evaluated_on in E's calendar year and ≤ E
--   closable_not_closed 应销未销 / items_total > 0, items_done = items_total, not closed_on ≤ E
with plans as (
    select * from stg_plans
),

periods as (
    select * from int_periods
),

flags as (
    select
        plans.*,
        periods.period_end,
        -- DuckDB's month arithmetic keeps the day and clamps it to the month's end (08-31 → 02-29).
        coalesce(plans.issued_on <= periods.period_end - interval 6 month, false) as is_old_enough,
        coalesce(plans.closed_on <= periods.period_end, false) as is_closed
    from plans
    inner join periods
        on periods.period = plans.period
)

select
    period,
    region_code,
    submission_id,
    source_sheet,
    source_row,
    source_cell,
    is_old_enough and not is_closed as plans_in_scope,
    is_old_enough
    and not is_closed
    and coalesce(year(evaluated_on) = year(period_end) and evaluated_on <= period_end, false) as plans_evaluated,
    coalesce(items_total > 0 and items_done = items_total, false) and not is_closed as closable_not_closed
from flags
