-- stg_inspections: 督察 rows of the current inspections submission of each unit and period.
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_inspections; superseded submissions' rows stay in raw_inspections.
with inspections as (
    select * from raw_inspections
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'inspections' and is_current
)

select inspections.*
from inspections
where submission_id in (select submission_id from current_submissions)
