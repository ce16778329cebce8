-- int_assignments: every task the province's reform office assigned (任务分解, 年度工作要点) and
--   whether the unit assigned lists it in its own tasks ledgers of the year.
-- grain: one row per row of a current assignments submission (submission_id, source_sheet,
--   source_row).
-- An assignment belongs to the unit its 牵头单位 names (lead_code, looked up at ingest) and to
-- its year (the 年度 column; else the year the sheet's title or name gives, filled in at ingest;
-- else the ledger's period's year). It is found when a current tasks ledger of that unit, of a
-- period in that year, lists a task whose title matches after normalisation (lower-cased, no
-- whitespace, punctuation or symbols): equal, or one containing the other when the shorter has at
-- least 8 characters. A row listed again (the breakdown re-sent, perhaps corrected) counts once
-- per (year, unit, title), by the listing received last. The task it is found as is the match of
-- the latest period, an equal title before a containing one, then the first row; its deadline is
-- that row's.
-- columns:
--   year 年度 / the year the task is assigned for
--   lead_code 牵头单位代码 / the unit assigned
--   submission_id 报送编号 / the submission (file) the row came from
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the assignment's task cell
--   task 改革任务 / the task as assigned
--   lead_unit 牵头单位 / as written
--   deadline_on 完成时限 / the deadline assigned (null when none could be read)
--   is_major 重大改革任务 / marked major in the breakdown
--   is_counted 计入 / the listing the docking counts: the last received of its task
--   found 已对接 / a matching task is in the unit's tasks ledgers of the year
--   found_title 台账任务 / the matching task's title, as the unit wrote it
--   found_ref 台账来源 / <file_name>!<sheet>!<cell> of that task
--   found_deadline_on 台账完成时限 / that task's deadline
--   deadline_later 时限推后 / found, and that task's deadline is later than the one assigned
with assignments as (
    select * from stg_assignments
),

files as (
    select distinct submission_id, file_name, received_at
    from stg_submissions
),

keyed as (
    select
        coalesce(assignments.year, cast(left(assignments.period, 4) as integer)) as year,
        assignments.lead_code,
        assignments.submission_id,
        assignments.source_sheet,
        assignments.source_row,
        files.file_name || '!' || assignments.source_sheet || '!' || assignments.source_cell as source_ref,
        assignments.task,
        assignments.lead_unit,
        assignments.deadline_on,
        coalesce(assignments.is_major, false) as is_major,
        regexp_replace(lower(assignments.task), '[\s\p{P}\p{S}]+', '', 'g') as title_key,
        files.received_at
    from assignments
    inner join files
        using (submission_id)
),

counted as (
    select
        keyed.*,
        row_number() over (
            partition by year, lead_code, title_key
            order by received_at desc, submission_id desc, source_sheet, source_row
        ) = 1 as is_counted
    from keyed
),

unit_tasks as (
    select
        year(periods.period_end) as year,
        tasks.region_code,
        tasks.period,
        tasks.task,
        tasks.deadline_on,
        files.file_name || '!' || tasks.source_sheet || '!' || tasks.source_cell as task_ref,
        tasks.source_row,
        regexp_replace(lower(tasks.task), '[\s\p{P}\p{S}]+', '', 'g') as title_key
    from stg_tasks as tasks
    inner join int_periods as periods
        using (period)
    inner join files
        on files.submission_id = tasks.submission_id
),

matches as (
    select
        counted.submission_id,
        counted.source_sheet,
        counted.source_row,
        unit_tasks.task,
        unit_tasks.task_ref,
        unit_tasks.deadline_on,
        unit_tasks.period,
        unit_tasks.source_row as task_row,
        unit_tasks.title_key = counted.title_key as is_equal
    from counted
    inner join unit_tasks
        on unit_tasks.year = counted.year
        and unit_tasks.region_code = counted.lead_code
        and unit_tasks.title_key <> ''
        and (
            unit_tasks.title_key = counted.title_key
            or (
                least(length(unit_tasks.title_key), length(counted.title_key)) >= 8
                and (
                    contains(unit_tasks.title_key, counted.title_key)
                    or contains(counted.title_key, unit_tasks.title_key)
                )
            )
        )
),

found as (
    select
        submission_id,
        source_sheet,
        source_row,
        task as found_title,
        task_ref as found_ref,
        deadline_on as found_deadline_on,
        row_number() over (
            partition by submission_id, source_sheet, source_row
            order by period desc, is_equal desc, task_row, task_ref
        ) as choice
    from matches
)

select
    counted.year,
    counted.lead_code,
    counted.submission_id,
    counted.source_sheet,
    counted.source_row,
    counted.source_ref,
    counted.task,
    counted.lead_unit,
    counted.deadline_on,
    counted.is_major,
    counted.is_counted,
    found.submission_id is not null as found,
    found.found_title,
    found.found_ref,
    found.found_deadline_on,
    coalesce(found.found_deadline_on > counted.deadline_on, false) as deadline_later
from counted
left join found
    on found.submission_id = counted.submission_id
    and found.source_sheet = counted.source_sheet
    and found.source_row = counted.source_row
    and found.choice = 1
