-- stg_plans: 专项改革方案 rows of the current plans submission of each unit and period.
-- grain: one row per ledger row (submission_id, source_sheet, source_row).
-- columns: as raw_plans; superseded submissions' rows stay in raw_plans.
with plans as (
    select * from raw_plans
),

current_submissions as (
    select submission_id
    from stg_submissions
    where kind = 'plans' and is_current
)

select plans.*
from plans
where submission_id in (select submission_id from current_submissions)
