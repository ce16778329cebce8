-- stg_deductions: 扣分 rows of the current deductions submission of each unit and period (kept by the reform
--   office: each row names the unit it is about, resolved through the roster at ingest).
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_deductions; superseded submissions' rows stay in raw_deductions.
with deductions as (
    select * from raw_deductions
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'deductions' and is_current
)

select deductions.*
from deductions
where submission_id in (select submission_id from current_submissions)
