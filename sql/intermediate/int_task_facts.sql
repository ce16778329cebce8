-- int_task_facts: each current task row with the facts the task marts count, named after the
--   mart columns they feed, so a figure can be traced to its rows.
-- grain: one row per task row of a current submission (submission_id, source_sheet, source_row).
-- columns:
--   period 周期 / the row's period
--   region_code 填报单位代码 / the unit whose ledger holds the row
--   submission_id 报送编号 / the submission (file) the row came from
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   source_cell 单元格 / A1 reference of the task cell
--   domain 改革领域 / the row's reform domain as written (null when blank); kept here so the
--     by-domain report need not join every task row back to its ledger
--   tasks_due 是否到期 / deadline_on ≤ E
--   due_done 到期已完成 / due and status done
--   on_time_done 按期完成 / due, done, and completed_on ≤ deadline_on
--   overdue_open 逾期未完成 / due and not done (ongoing and unknown count as open), and not exempted
--   exempted 容错免责 / an exemption of the unit covers the row from a decision on or before E
--     (int_exempted_rows): it is out of overdue_open, the overdue alerts and rule deductions
--   major_due 重大任务到期 / due and is_major
--   major_due_done 重大任务到期已完成 / due, is_major and done
--   fully_owned 责任完整 / lead_unit, ≥1 responsible unit, leader, deadline_kind date or ongoing
with tasks as (
    select * from stg_tasks
),

periods as (
    select * from int_periods
),

exempted as (
    select * from int_exempted_rows
),

flags as (
    select
        tasks.period,
        tasks.region_code,
        tasks.submission_id,
        tasks.source_sheet,
        tasks.source_row,
        tasks.source_cell,
        tasks.domain,
        coalesce(tasks.deadline_on <= periods.period_end, false) as is_due,
        coalesce(tasks.status = 'done', false) as is_done,
        coalesce(tasks.completed_on <= tasks.deadline_on, false) as is_done_by_deadline,
        coalesce(tasks.is_major, false) as is_major,
        tasks.lead_unit is not null
        and coalesce(len(tasks.responsible_units), 0) >= 1
        and tasks.leader is not null
        and coalesce(tasks.deadline_kind in ('date', 'ongoing'), false) as is_fully_owned,
        exempted.submission_id is not null as is_exempted
    from tasks
    inner join periods
        on periods.period = tasks.period
    left join exempted
        on exempted.submission_id = tasks.submission_id
        and exempted.source_sheet = tasks.source_sheet
        and exempted.source_row = tasks.source_row
)

select
    period,
    region_code,
    submission_id,
    source_sheet,
    source_row,
    source_cell,
    domain,
    is_due as tasks_due,
    is_due and is_done as due_done,
    is_due and is_done and is_done_by_deadline as on_time_done,
    is_due and not is_done and not is_exempted as overdue_open,
    is_due and is_major as major_due,
    is_due and is_major and is_done as major_due_done,
    is_fully_owned as fully_owned,
    is_exempted as exempted
from flags
