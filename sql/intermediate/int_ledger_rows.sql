-- int_ledger_rows: every row of the ledgers int_ledger_pairs compares (tasks, rectifications,
--   plans, pilots; superseded versions included), in the one shape that mart_ledger_changes
--   compares: which row is which between two ledgers (可核实). Ledgers in no pair are left out:
--   normalising every title of a national quarter that has nothing to compare doubled the build.
-- grain: one row per ledger row (submission_id, kind, source_sheet, source_row).
-- materialized: view
-- A view: mart_ledger_changes is its one reader, and writing its 3.7 million rows of four
-- national quarters as a table took longer than the mart itself. Narrow on purpose: only what
-- matching and comparing need (the texts stay in the raw tables, read by mart_ledger_changes for
-- the rows that changed, through raw_rowid).
-- The keys (title_key, title_repeats, is_numbered) are computed once per ledger at ingest
-- (src/ledger/keys.rs) and kept in the lake; rows of parts written before that are keyed here by
-- the same rule (a test holds the two to the same keys).
-- Matching rule (documented in README "What changed between ledgers"): a ledger is *numbered*
-- when every row has a 序号 (seq), no 序号 repeats, and the 序号s are not just the running count
-- 1, 2, 3… in row order (a running count is renumbered whenever a row goes, so it names no row).
-- Two numbered ledgers match rows on seq; otherwise on the title (task, problem, plan, pilot)
-- with whitespace, punctuation and symbols removed and letters lower-cased. Titles that repeat
-- within a ledger are paired in row order (the first with the first) and marked ambiguous.
-- columns:
--   submission_id 报送编号 / the submission (file)
--   kind 台账类型 / tasks, rectifications, plans or pilots
--   region_code 填报单位代码 / the unit
--   period 周期 / the ledger's period
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   raw_rowid 原始表行号 / the row's rowid in raw_<kind> of this warehouse (finds its texts)
--   seq 序号 / the row's number as written
--   title_key 标题键 / normalised title, then # and its occurrence within the ledger (…#1, …#2)
--   title_repeats 标题重复 / the normalised title occurs more than once in this ledger
--   is_numbered 按序号匹配 / the ledger is numbered (see the rule above)
--   deadline_on 完成时限 / deadline (tasks, rectifications)
--   status 状态 / normalised status (tasks, rectifications, pilots)
--   is_major 重大任务 / tasks only
--   is_finished 已办结 / done (tasks, rectifications), closed_on set (plans), completed or
--     exited or ended_on set (pilots): a row that may leave the next ledger
with accepted as (
    select old_submission_id as submission_id, kind from int_ledger_pairs
    union
    select new_submission_id, kind from int_ledger_pairs
),

-- Inlined at each use (not materialized): rows keyed at ingest need no title, and
-- materializing the union carried every title of the lake through the build.
unioned as not materialized (
    select
        submission_id, 'tasks' as kind, region_code, period, source_sheet, source_row,
        rowid as raw_rowid, seq, task as title, deadline_on, status, is_major,
        coalesce(status = 'done', false) as is_finished,
        title_key, title_repeats, is_numbered
    from raw_tasks
    union all
    select
        submission_id, 'rectifications', region_code, period, source_sheet, source_row,
        rowid, seq, problem, deadline_on, status, null, coalesce(status = 'done', false),
        title_key, title_repeats, is_numbered
    from raw_rectifications
    union all
    select
        submission_id, 'plans', region_code, period, source_sheet, source_row,
        rowid, seq, plan, null, null, null, closed_on is not null,
        title_key, title_repeats, is_numbered
    from raw_plans
    union all
    select
        submission_id, 'pilots', region_code, period, source_sheet, source_row,
        rowid, seq, pilot, null, status, null,
        coalesce(status in ('completed', 'exited'), false) or ended_on is not null,
        title_key, title_repeats, is_numbered
    from raw_pilots
),

rows as not materialized (
    select unioned.*
    from unioned
    inner join accepted
        using (submission_id, kind)
),

-- Rows of parts written before the keys were kept (their title_key is null).
unkeyed as (
    select * exclude (title_key, title_repeats, is_numbered)
    from rows
    where title_key is null
),

-- One ordered list of 序号 per ledger: cheaper than numbering every row with a
-- window and grouping again.
numbering as (
    select
        submission_id,
        kind,
        list_count(seqs) = len(seqs)
        and len(list_distinct(seqs)) = len(seqs)
        and seqs <> list_transform(range(1, len(seqs) + 1), lambda i: cast(i as varchar)) as is_numbered
    from (
        select submission_id, kind, list(seq order by source_sheet, source_row) as seqs
        from unkeyed
        group by submission_id, kind
    )
),

counted as (
    select
        *,
        row_number() over same_title as occurrence,
        count(*) over (partition by submission_id, kind, title_norm) > 1 as title_repeats
    from (
        select
            *,
            coalesce(regexp_replace(lower(title), '[\s\p{P}\p{S}]+', '', 'g'), '') as title_norm
        from unkeyed
    )
    window same_title as (
        partition by submission_id, kind, title_norm order by source_sheet, source_row
    )
),

keyed_here as (
    select
        counted.* exclude (title, title_norm, occurrence, title_repeats),
        counted.title_norm || '#' || counted.occurrence as title_key,
        counted.title_repeats,
        numbering.is_numbered
    from counted
    inner join numbering
        using (submission_id, kind)
),

keyed as (
    select * exclude (title) from rows where title_key is not null
    union all by name
    select * from keyed_here
)

select
    submission_id,
    kind,
    region_code,
    period,
    source_sheet,
    source_row,
    raw_rowid,
    seq,
    title_key,
    title_repeats,
    is_numbered,
    deadline_on,
    status,
    is_major,
    is_finished
from keyed
