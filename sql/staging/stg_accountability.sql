-- stg_accountability: 问责 rows of the current accountability submission of each unit and period (kept by the reform
--   office: each row names the unit it is about, resolved through the roster at ingest).
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_accountability; superseded submissions' rows stay in raw_accountability.
with accountability as (
    select * from raw_accountability
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'accountability' and is_current
)

select accountability.*
from accountability
where submission_id in (select submission_id from current_submissions)
