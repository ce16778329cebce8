-- stg_tasks: 改革任务 task rows of the current submission of each unit and period.
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_tasks; superseded submissions' rows stay in raw_tasks.
with tasks as (
    select * from raw_tasks
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'tasks' and is_current
)

select tasks.*
from tasks
where submission_id in (select submission_id from current_submissions)
