-- stg_pilots: 试点 rows of the current pilots submission of each unit and period.
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_pilots; superseded submissions' rows stay in raw_pilots.
with pilots as (
    select * from raw_pilots
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'pilots' and is_current
)

select pilots.*
from pilots
where submission_id in (select submission_id from current_submissions)
