-- stg_exemptions: 容错免责认定 rows of the current exemptions submission of each unit and period (kept by the reform
--   office: each row names the unit it is about, resolved through the roster at ingest).
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_exemptions; superseded submissions' rows stay in raw_exemptions.
with exemptions as (
    select * from raw_exemptions
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'exemptions' and is_current
)

select exemptions.*
from exemptions
where submission_id in (select submission_id from current_submissions)
