-- Every change names cells that exist: the old and the new row of mart_ledger_changes are rows of
-- the lake's tables (raw_*), in the submissions named, at the cells of old_ref and new_ref.
-- A ref is <file_name>!<sheet>!<cell>: the file name is the submission's, the cell (A1, never a
-- !) follows the last !, and the sheet is what lies between; the lake rows are then matched on
-- their own columns (building the ref text for every row of the named submissions cost most of
-- this test on four national quarters; a correlated NOT EXISTS took 22 s on two).
with named as (
    select distinct kind, old_submission_id as submission_id, old_ref as ref
    from mart_ledger_changes
    where old_ref is not null
    union
    select distinct kind, new_submission_id, new_ref
    from mart_ledger_changes
    where new_ref is not null
),

files as (
    select distinct submission_id, file_name
    from stg_submissions
),

refs as (
    select
        named.*,
        split_part(named.ref, '!', -1) as source_cell,
        case when starts_with(named.ref, files.file_name || '!')
            then named.ref[length(files.file_name) + 2 : length(named.ref) - length(split_part(named.ref, '!', -1)) - 1]
        end as source_sheet
    from named
    left join files
        using (submission_id)
),

lake_rows as (
    select 'tasks' as kind, submission_id, source_sheet, source_cell from raw_tasks
    union all
    select 'rectifications', submission_id, source_sheet, source_cell from raw_rectifications
    union all
    select 'plans', submission_id, source_sheet, source_cell from raw_plans
    union all
    select 'pilots', submission_id, source_sheet, source_cell from raw_pilots
)

select refs.kind, refs.submission_id, refs.ref
from refs
anti join lake_rows
    on lake_rows.kind = refs.kind
    and lake_rows.submission_id = refs.submission_id
    and lake_rows.source_sheet = refs.source_sheet
    and lake_rows.source_cell = refs.source_cell
