-- Every change names cells that exist: the old and the new row of mart_ledger_changes are rows of
-- the lake's tables (raw_*), in the submissions named, at the cells of old_ref and new_ref.
-- (An anti-join on the ref text, over the submissions the changes name only: a correlated
-- NOT EXISTS took 22 s on two national quarters.)
with refs as (
    select distinct kind, old_submission_id as submission_id, old_ref as ref
    from mart_ledger_changes
    where old_ref is not null
    union
    select distinct kind, new_submission_id, new_ref
    from mart_ledger_changes
    where new_ref is not null
),

named as (
    select distinct submission_id from refs
),

files as (
    select distinct submission_id, file_name
    from stg_submissions
    where submission_id in (select submission_id from named)
),

lake_rows as (
    select 'tasks' as kind, submission_id, source_sheet, source_cell from raw_tasks
    where submission_id in (select submission_id from named)
    union all
    select 'rectifications', submission_id, source_sheet, source_cell from raw_rectifications
    where submission_id in (select submission_id from named)
    union all
    select 'plans', submission_id, source_sheet, source_cell from raw_plans
    where submission_id in (select submission_id from named)
    union all
    select 'pilots', submission_id, source_sheet, source_cell from raw_pilots
    where submission_id in (select submission_id from named)
),

lake_refs as (
    select lake_rows.kind, lake_rows.submission_id,
        files.file_name || '!' || lake_rows.source_sheet || '!' || lake_rows.source_cell as ref
    from lake_rows
    inner join files
        using (submission_id)
)

select refs.*
from refs
left join lake_refs
    on lake_refs.kind = refs.kind
    and lake_refs.submission_id = refs.submission_id
    and lake_refs.ref = refs.ref
where lake_refs.ref is null
