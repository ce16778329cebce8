-- stg_satisfaction: 满意度测评 rows of the current satisfaction submission of each unit and period.
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_satisfaction; superseded submissions' rows stay in raw_satisfaction.
with satisfaction as (
    select * from raw_satisfaction
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'satisfaction' and is_current
)

select satisfaction.*
from satisfaction
where submission_id in (select submission_id from current_submissions)
