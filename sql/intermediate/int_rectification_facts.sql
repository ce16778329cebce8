-- int_rectification_facts: each current rectification item (整改事项) with the facts
--   mart_rectification and mart_alerts count: closing on the facts (据实销账) and rechecks (复查).
-- grain: one row per rectification row of a current submission (submission_id, source_sheet, source_row).
-- E is the period's end; "closed" is status done (已整改/已销号), as the ledger says it.
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
--   items_closed 已整改 / status done
--   closed_on_time 按期销号 / closed, closed_on ≤ deadline_on
--   closed_late 超期销号 / closed, closed_on > deadline_on
--   closed_without_date 销号无日期 / closed with no closed_on: the closing cannot be verified
--   closed_without_recheck 未复查销号 / closed with no reviewed_on at all (a recheck after the
--     closing is fine)
--   overdue_not_rechecked 逾期未复查 / overdue_open and no reviewed_on in
--     (E − [assessment] recheck_days days, E]
--   milestones_missed 进度节点未跟进 / not done, not exempted, and a milestone (进度节点) on or before E
--     has no report (last_report_on, up to E) on or after it: the item was not followed up at that
--     milestone
--   missed_milestones 未跟进的进度节点 / those milestones, in the order written
--   exempted 容错免责 / an exemption of the unit covers the item from a decision on or before E
--     (int_exempted_rows): it is out of overdue_open, overdue_not_rechecked, milestones_missed and
--     their alerts
with items as (
    select * from stg_rectifications
),

periods as (
    select * from int_periods
),

config as (
    select * from stg_config
),

exempted as (
    select * from int_exempted_rows
),

flags as (
    select
        items.*,
        coalesce(items.deadline_on <= periods.period_end, false) as is_due,
        coalesce(items.status = 'done', false) as is_done,
        coalesce(
            items.reviewed_on > periods.period_end - config.recheck_days
            and items.reviewed_on <= periods.period_end,
            false
        ) as rechecked_recently,
        -- A report after E has not happened yet as of E.
        case when items.last_report_on <= periods.period_end then items.last_report_on end as reported_on,
        periods.period_end,
        exempted.submission_id is not null as is_exempted
    from items
    inner join periods
        on periods.period = items.period
    cross join config
    left join exempted
        on exempted.submission_id = items.submission_id
        and exempted.source_sheet = items.source_sheet
        and exempted.source_row = items.source_row
),

followed_up as (
    select
        flags.*,
        case when not flags.is_done then
            list_filter(
                flags.milestones,
                lambda m: m <= flags.period_end and (flags.reported_on is null or flags.reported_on < m)
            )
        end as missed
    from flags
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
    is_due and not is_done and not is_exempted as overdue_open,
    is_done as items_closed,
    is_done and coalesce(closed_on <= deadline_on, false) as closed_on_time,
    is_done and coalesce(closed_on > deadline_on, false) as closed_late,
    is_done and closed_on is null as closed_without_date,
    is_done and reviewed_on is null as closed_without_recheck,
    is_due and not is_done and not is_exempted and not rechecked_recently as overdue_not_rechecked,
    coalesce(len(missed) > 0, false) and not is_exempted as milestones_missed,
    missed as missed_milestones,
    is_exempted as exempted
from followed_up
