-- stg_rectifications: 整改 rows of the current rectifications submission of each unit and period.
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_rectifications; superseded submissions' rows stay in raw_rectifications.
with rectifications as (
    select * from raw_rectifications
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'rectifications' and is_current
)

select rectifications.*
from rectifications
where submission_id in (select submission_id from current_submissions)
