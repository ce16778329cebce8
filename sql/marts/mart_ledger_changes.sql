-- mart_ledger_changes: what changed between a unit's ledgers (台账变动, 可核实).
-- grain: one row per change: (new_submission_id, kind, comparison, row_key, change, field).
-- Pairs of ledgers come from int_ledger_pairs (a period's current ledger against the previous
-- period's; every resubmission against the version it replaced); rows are matched as
-- int_ledger_rows describes (seq in two numbered ledgers, else the normalised title, repeated
-- titles in row order).
-- Against the previous period:
--   deadline_later 延期 / both deadlines are dates and the new one is later
--   deadline_earlier 提前 / both are dates and the new one is earlier
--   status_regressed 状态倒退 / a task or pilot finished before is in progress, not started or
--     delayed (a pilot: completed or exited, now running)
--   reopened 重新打开 / a rectification item done before is in progress, not started or delayed
--   major_dropped 取消重大标记 / a task marked major before is not now
--   row_removed 事项消失 / a row that was not finished (int_ledger_rows.is_finished) is gone
--   row_added 新增事项 / a row the previous ledger did not have
-- Against the replaced version (comparison = resubmission):
--   changed_in_resubmission 更正修改 / one row per field whose value differs (field names it)
--   row_removed, row_added / a row gone from or new in the resubmission, finished or not
-- columns:
--   period 周期 / the newer ledger's period
--   scope_code 单位代码 / the unit whose ledgers these are
--   kind 台账类型 / tasks, rectifications, plans or pilots
--   comparison 比较 / previous_period or resubmission
--   row_key 事项键 / the seq (numbered ledgers) or the title as written, with （第N条） when the
--     title repeats in its ledger
--   change 变动类型 / one of the changes above
--   field 字段 / the canonical column that changed (deadline_text, status_text, is_major…); null
--     for row_removed and row_added
--   old_value 原值 / the value in the older ledger as text (for row_removed: its status or deadline;
--     for major_dropped: 是)
--   new_value 新值 / the value in the newer ledger
--   old_ref 原出处 / <file_name>!<sheet>!<cell> of the row's title cell in the older ledger
--   new_ref 新出处 / the same in the newer ledger
--   old_submission_id 原报送编号 / the older ledger's submission
--   new_submission_id 新报送编号 / the newer ledger's submission
--   ambiguous 匹配存疑 / matched by a title that repeats in either ledger (paired in row order)
--   has_note 有备注说明 / the newer row's remarks are not empty (an explained change)
-- Rows are matched and compared on int_ledger_rows' narrow columns, each pair of ledgers named by
-- a narrow pair_id; the texts (title, deadline and status as written, remarks, cell) are read from
-- the raw tables for the changed rows only, by rowid: carrying them through the join of every
-- row cost most of a four-quarter national build, and a join on (submission, sheet, row) built
-- its hash table over every raw row.
-- int_ledger_rows is a view, inlined at each of its three uses here; for parts written before
-- the keys were kept that keys their rows three times (a lake written since keys them at
-- ingest). Not `as materialized`: DuckDB 2.0 stopped that on four national quarters with an
-- internal error ("dict-surviving cache: global dictionary column … changed identity").
with numbering as (
    select distinct submission_id, kind, is_numbered
    from int_ledger_rows
),

pairs as (
    -- Rows match on seq only when both ledgers are numbered (int_ledger_rows). pair_id is a
    -- narrow join key for the pair's rows.
    select
        row_number() over () as pair_id,
        int_ledger_pairs.*,
        coalesce(old_numbering.is_numbered and new_numbering.is_numbered, false) as by_seq
    from int_ledger_pairs
    left join numbering as old_numbering
        on old_numbering.submission_id = int_ledger_pairs.old_submission_id
        and old_numbering.kind = int_ledger_pairs.kind
    left join numbering as new_numbering
        on new_numbering.submission_id = int_ledger_pairs.new_submission_id
        and new_numbering.kind = int_ledger_pairs.kind
),

files as (
    select distinct submission_id, file_name
    from stg_submissions
),

-- Each ledger's rows once per pair it is a side of, with only what matching and comparing need.
old_rows as (
    select
        pairs.pair_id,
        case when pairs.by_seq then rows.seq else rows.title_key end as match_key,
        rows.source_sheet as old_sheet,
        rows.source_row as old_row,
        rows.raw_rowid as old_rowid,
        rows.seq as old_seq,
        rows.title_key as old_title_key,
        rows.title_repeats as old_repeats,
        rows.deadline_on as old_deadline_on,
        rows.status as old_status,
        rows.is_major as old_is_major,
        rows.is_finished as old_is_finished
    from pairs
    inner join int_ledger_rows as rows
        on rows.submission_id = pairs.old_submission_id
        and rows.kind = pairs.kind
),

new_rows as (
    select
        pairs.pair_id,
        case when pairs.by_seq then rows.seq else rows.title_key end as match_key,
        rows.source_sheet as new_sheet,
        rows.source_row as new_row,
        rows.raw_rowid as new_rowid,
        rows.seq as new_seq,
        rows.title_key as new_title_key,
        rows.title_repeats as new_repeats,
        rows.deadline_on as new_deadline_on,
        rows.status as new_status,
        rows.is_major as new_is_major
    from pairs
    inner join int_ledger_rows as rows
        on rows.submission_id = pairs.new_submission_id
        and rows.kind = pairs.kind
),

matched as (
    select
        coalesce(old_rows.pair_id, new_rows.pair_id) as pair_id,
        old_rows.pair_id is not null as has_old,
        new_rows.pair_id is not null as has_new,
        old_rows.* exclude (pair_id, match_key),
        new_rows.* exclude (pair_id, match_key)
    from old_rows
    full outer join new_rows
        on new_rows.pair_id = old_rows.pair_id
        and new_rows.match_key = old_rows.match_key
),

described as (
    select
        matched.* exclude (has_old, has_new),
        case when matched.has_old then pairs.old_submission_id end as old_submission_id,
        case when matched.has_new then pairs.new_submission_id end as new_submission_id,
        pairs.new_submission_id as pair_new,
        pairs.kind as pair_kind,
        pairs.comparison as pair_comparison,
        pairs.period,
        pairs.region_code,
        pairs.old_submission_id as pair_old,
        pairs.by_seq,
        coalesce(matched.old_repeats, false) or coalesce(matched.new_repeats, false) as ambiguous
    from matched
    inner join pairs
        using (pair_id)
),

-- value_from says which texts old_value and new_value are, once the texts are read.
between_periods as (
    select *, 'deadline_later' as change, 'deadline_text' as field, 'deadline' as value_from
    from described
    where pair_comparison = 'previous_period' and new_deadline_on > old_deadline_on
    union all
    select *, 'deadline_earlier', 'deadline_text', 'deadline'
    from described
    where pair_comparison = 'previous_period' and new_deadline_on < old_deadline_on
    union all
    select *, 'status_regressed', 'status_text', 'status'
    from described
    where pair_comparison = 'previous_period'
        and pair_kind in ('tasks', 'pilots')
        and old_is_finished
        and new_status in ('in_progress', 'not_started', 'delayed', 'running')
    union all
    select *, 'reopened', 'status_text', 'status_text'
    from described
    where pair_comparison = 'previous_period'
        and pair_kind = 'rectifications'
        and old_is_finished
        and new_status in ('in_progress', 'not_started', 'delayed')
    union all
    select *, 'major_dropped', 'is_major', 'major'
    from described
    where pair_comparison = 'previous_period' and old_is_major and not coalesce(new_is_major, false)
    union all
    select *, 'row_removed', null, 'row'
    from described
    where new_submission_id is null
        and (pair_comparison = 'resubmission' or not old_is_finished)
    union all
    select *, 'row_added', null, 'row'
    from described
    where old_submission_id is null
),

-- Every field of the rows of a resubmission and of the version it replaced, as text; an empty
-- cell is chr(0) here because UNPIVOT drops NULLs (and cannot take COLUMNS with INCLUDE NULLS).
resubmitted as (
    select old_submission_id as submission_id from pairs where comparison = 'resubmission'
    union
    select new_submission_id from pairs where comparison = 'resubmission'
),

fields as (
    unpivot (
        select submission_id, 'tasks' as kind, source_sheet, source_row,
            coalesce(columns(* exclude (submission_id, region_code, period, source_sheet, source_row, source_cell, title_key, title_repeats, is_numbered))::varchar, chr(0))
        from raw_tasks
        where submission_id in (select submission_id from resubmitted)
    ) on columns(* exclude (submission_id, kind, source_sheet, source_row)) into name field value value
    union all
    unpivot (
        select submission_id, 'rectifications' as kind, source_sheet, source_row,
            coalesce(columns(* exclude (submission_id, region_code, period, source_sheet, source_row, source_cell, title_key, title_repeats, is_numbered))::varchar, chr(0))
        from raw_rectifications
        where submission_id in (select submission_id from resubmitted)
    ) on columns(* exclude (submission_id, kind, source_sheet, source_row)) into name field value value
    union all
    unpivot (
        select submission_id, 'plans' as kind, source_sheet, source_row,
            coalesce(columns(* exclude (submission_id, region_code, period, source_sheet, source_row, source_cell, title_key, title_repeats, is_numbered))::varchar, chr(0))
        from raw_plans
        where submission_id in (select submission_id from resubmitted)
    ) on columns(* exclude (submission_id, kind, source_sheet, source_row)) into name field value value
    union all
    unpivot (
        select submission_id, 'pilots' as kind, source_sheet, source_row,
            coalesce(columns(* exclude (submission_id, region_code, period, source_sheet, source_row, source_cell, title_key, title_repeats, is_numbered))::varchar, chr(0))
        from raw_pilots
        where submission_id in (select submission_id from resubmitted)
    ) on columns(* exclude (submission_id, kind, source_sheet, source_row)) into name field value value
),

in_resubmission as (
    select
        described.*,
        'changed_in_resubmission' as change,
        old_fields.field,
        'field' as value_from,
        nullif(old_fields.value, chr(0)) as old_field_value,
        nullif(new_fields.value, chr(0)) as new_field_value
    from described
    inner join fields as old_fields
        on old_fields.submission_id = described.old_submission_id
        and old_fields.kind = described.pair_kind
        and old_fields.source_sheet = described.old_sheet
        and old_fields.source_row = described.old_row
    inner join fields as new_fields
        on new_fields.submission_id = described.new_submission_id
        and new_fields.kind = described.pair_kind
        and new_fields.source_sheet = described.new_sheet
        and new_fields.source_row = described.new_row
        and new_fields.field = old_fields.field
    where described.pair_comparison = 'resubmission'
        and old_fields.value <> new_fields.value
),

changes as (
    select * from between_periods
    union all by name
    select * from in_resubmission
),

-- The texts of the rows that changed, as the ledgers wrote them (raw_rowid finds them).
changed_rows as (
    select pair_kind as kind, old_rowid as raw_rowid
    from changes
    where old_rowid is not null
    union
    select pair_kind, new_rowid
    from changes
    where new_rowid is not null
),

texts as (
    select 'tasks' as kind, rowid as raw_rowid, source_cell, task as title, deadline_text,
        status_text, remarks
    from raw_tasks
    where rowid in (select raw_rowid from changed_rows where kind = 'tasks')
    union all
    select 'rectifications', rowid, source_cell, problem, deadline_text, status_text, remarks
    from raw_rectifications
    where rowid in (select raw_rowid from changed_rows where kind = 'rectifications')
    union all
    select 'plans', rowid, source_cell, plan, null, null, remarks
    from raw_plans
    where rowid in (select raw_rowid from changed_rows where kind = 'plans')
    union all
    select 'pilots', rowid, source_cell, pilot, null, null, remarks
    from raw_pilots
    where rowid in (select raw_rowid from changed_rows where kind = 'pilots')
)

select
    changes.period,
    changes.region_code as scope_code,
    changes.pair_kind as kind,
    changes.pair_comparison as comparison,
    case
        when changes.by_seq then coalesce(changes.new_seq, changes.old_seq)
        else coalesce(new_texts.title, old_texts.title)
            || case
                when changes.ambiguous
                    then '（第' || split_part(coalesce(changes.new_title_key, changes.old_title_key), '#', -1) || '条）'
                else ''
            end
    end as row_key,
    changes.change,
    changes.field,
    case changes.value_from
        when 'deadline' then old_texts.deadline_text
        when 'status' then coalesce(old_texts.status_text, changes.old_status)
        when 'status_text' then old_texts.status_text
        when 'major' then '是'
        when 'row' then
            case when changes.change = 'row_removed'
                then coalesce(old_texts.status_text, old_texts.deadline_text) end
        else changes.old_field_value
    end as old_value,
    case changes.value_from
        when 'deadline' then new_texts.deadline_text
        when 'status' then coalesce(new_texts.status_text, changes.new_status)
        when 'status_text' then new_texts.status_text
        when 'major' then '否'
        when 'row' then
            case when changes.change = 'row_added'
                then coalesce(new_texts.status_text, new_texts.deadline_text) end
        else changes.new_field_value
    end as new_value,
    old_files.file_name || '!' || changes.old_sheet || '!' || old_texts.source_cell as old_ref,
    new_files.file_name || '!' || changes.new_sheet || '!' || new_texts.source_cell as new_ref,
    changes.pair_old as old_submission_id,
    changes.pair_new as new_submission_id,
    changes.ambiguous,
    coalesce(trim(new_texts.remarks) <> '', false) as has_note
from changes
left join texts as old_texts
    on old_texts.kind = changes.pair_kind
    and old_texts.raw_rowid = changes.old_rowid
left join texts as new_texts
    on new_texts.kind = changes.pair_kind
    and new_texts.raw_rowid = changes.new_rowid
left join files as old_files
    on old_files.submission_id = changes.old_submission_id
left join files as new_files
    on new_files.submission_id = changes.new_submission_id
order by period, scope_code, kind, comparison, row_key, change, field
