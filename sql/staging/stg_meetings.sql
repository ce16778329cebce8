-- stg_meetings: 会议台账 rows of the current meetings submission of each unit and period.
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_meetings; superseded submissions' rows stay in raw_meetings.
with meetings as (
    select * from raw_meetings
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'meetings' and is_current
)

select meetings.*
from meetings
where submission_id in (select submission_id from current_submissions)
