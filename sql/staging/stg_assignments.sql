-- stg_assignments: 任务分解（年度工作要点） rows of the current assignments submission of each unit and period (kept by the reform
--   office: each row names the unit it is about, resolved through the roster at ingest).
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_assignments; superseded submissions' rows stay in raw_assignments.
with assignments as (
    select * from raw_assignments
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'assignments' and is_current
)

select assignments.*
from assignments
where submission_id in (select submission_id from current_submissions)
