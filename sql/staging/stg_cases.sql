-- stg_cases: 改革典型案例 rows of the current cases submission of each unit and period.
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_cases; superseded submissions' rows stay in raw_cases.
with cases as (
    select * from raw_cases
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'cases' and is_current
)

select cases.*
from cases
where submission_id in (select submission_id from current_submissions)
