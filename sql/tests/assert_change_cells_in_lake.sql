-- Every change names cells that exist: the old and the new row of mart_ledger_changes are rows of
-- the lake's tables (raw_*), in the submissions named, at the cells of old_ref and new_ref.
with lake_rows as (
    select 'tasks' as kind, submission_id, source_sheet, source_cell from raw_tasks
    union all
    select 'rectifications', submission_id, source_sheet, source_cell from raw_rectifications
    union all
    select 'plans', submission_id, source_sheet, source_cell from raw_plans
    union all
    select 'pilots', submission_id, source_sheet, source_cell from raw_pilots
),

refs as (
    select distinct
        changes.kind,
        files.submission_id,
        side.ref
    from mart_ledger_changes as changes
    cross join lateral (
        select changes.old_submission_id as submission_id, changes.old_ref as ref
        union all
        select changes.new_submission_id, changes.new_ref
    ) as side
    inner join (select distinct submission_id, file_name from stg_submissions) as files
        on files.submission_id = side.submission_id
    where side.ref is not null
)

select refs.*
from refs
where not exists (
    select 1
    from lake_rows
    inner join (select distinct submission_id, file_name from stg_submissions) as files
        using (submission_id)
    where lake_rows.kind = refs.kind
        and lake_rows.submission_id = refs.submission_id
        and files.file_name || '!' || lake_rows.source_sheet || '!' || lake_rows.source_cell = refs.ref
)
