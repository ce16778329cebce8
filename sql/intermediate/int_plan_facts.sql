-- int_plan_facts: each current special reform plan (专项改革方案) with the facts
--   mart_plan_supervision and mart_alerts count.
-- grain: one row per plan row of a current submission (submission_id, source_sheet, source_row).
-- E is the period's end. A date after E has not happened yet as of E and counts as absent.
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
--   plans_issued 已出台 / issued_on ≤ E
--   issued_after_review 先审议后出台 / issued, reviewed_on ≤ issued_on (上会审议 before 出台)
--   issued_without_review 未经审议出台 / issued, no reviewed_on ≤ E
--   issued_before_review 先出台后审议 / issued, reviewed_on ≤ E but after issued_on
--   docking_plans 对接中央方案 / docks_central: the plan docks a central plan (规定动作)
--   docking_issued 对接方案已出台 / docking and issued
--   docking_issued_after_review 对接方案先审议后出台 / docking and issued_after_review
--   evaluation_overdue 超期未评估 / in scope (issued ≥ 6 months before E, not closed) and no
--     evaluated_on in (E − 6 months, E]
--   closed_with_open_items 带未完成事项销账 / closed_on ≤ E while items_done < items_total
--     (closed on paper; a blank items_done is 0)
--   review_planned 列入年度上会计划 / review_planned_on in E's calendar year (the year's plan-review
--     schedule, 年度上会审议计划)
--   reviewed_on_schedule 按计划上会 / planned, reviewed_on ≤ E and ≤ review_planned_on
--   review_late 推迟上会 / planned, reviewed_on ≤ E but after review_planned_on
--   review_missed 未按计划上会 / planned, review_planned_on ≤ E and no reviewed_on ≤ E
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
        coalesce(plans.closed_on <= periods.period_end, false) as is_closed,
        coalesce(plans.issued_on <= periods.period_end, false) as is_issued,
        coalesce(plans.reviewed_on <= periods.period_end, false) as is_reviewed,
        coalesce(plans.docks_central, false) as is_docking,
        coalesce(
            plans.evaluated_on > periods.period_end - interval 6 month
            and plans.evaluated_on <= periods.period_end,
            false
        ) as evaluated_recently
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
    coalesce(items_total > 0 and items_done = items_total, false) and not is_closed as closable_not_closed,
    is_issued as plans_issued,
    is_issued and is_reviewed and reviewed_on <= issued_on as issued_after_review,
    is_issued and not is_reviewed as issued_without_review,
    is_issued and is_reviewed and reviewed_on > issued_on as issued_before_review,
    is_docking as docking_plans,
    is_docking and is_issued as docking_issued,
    is_docking and is_issued and is_reviewed and reviewed_on <= issued_on as docking_issued_after_review,
    is_old_enough and not is_closed and not evaluated_recently as evaluation_overdue,
    is_closed and coalesce(items_total > coalesce(items_done, 0), false) as closed_with_open_items,
    coalesce(year(review_planned_on) = year(period_end), false) as review_planned,
    coalesce(year(review_planned_on) = year(period_end), false)
    and is_reviewed
    and reviewed_on <= review_planned_on as reviewed_on_schedule,
    coalesce(year(review_planned_on) = year(period_end), false)
    and is_reviewed
    and reviewed_on > review_planned_on as review_late,
    coalesce(year(review_planned_on) = year(period_end) and review_planned_on <= period_end, false)
    and not is_reviewed as review_missed
from flags
