-- stg_publicity: 改革宣传台账 rows of the current publicity submission of each unit and period.
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_publicity; superseded submissions' rows stay in raw_publicity.
with publicity as (
    select * from raw_publicity
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'publicity' and is_current
)

select publicity.*
from publicity
where submission_id in (select submission_id from current_submissions)
