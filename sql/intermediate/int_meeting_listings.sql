-- int_meeting_listings: every meeting a unit's meetings ledgers list, with the listing that counts.
-- grain: one row per listed meeting with a date (submission_id, source_sheet, source_row).
-- A meeting listed in two ledgers (a quarterly one and a yearly one, a correction) is one meeting:
-- the first listing of a (unit, body, held_on), by receipt, names it and is_counted. The meetings
-- mart counts only those; trace lists them all with the flag, from this one rule.
-- columns:
--   region_code 单位代码 / the unit whose ledger lists it
--   body 会议主体 / the body as written, whitespace removed
--   held_on 召开日期 / the meeting's date
--   meeting_kind 会议类型 / as the ledger says
--   topics 议题 / as the ledger says
--   reports_heard 听取汇报数 / items of the ledger's reports_heard (0 when none)
--   file_name 文件名 / the workbook the listing is in
--   source_sheet 工作表 / its sheet
--   source_row 行号 / its 1-based row
--   source_cell 单元格 / its cell
--   source_ref 来源 / <file_name>!<sheet>!<cell>
--   received_at 接收时间 / when that workbook was received
--   submission_id 报送编号 / the workbook's submission
--   is_counted 计入 / the first listing of its (unit, body, held_on), the one the mart counts
with files as (
    select distinct submission_id, file_name, received_at
    from stg_submissions
),

listed as (
    select
        meetings.region_code,
        regexp_replace(meetings.body, '\s+', '', 'g') as body,
        meetings.held_on,
        meetings.meeting_kind,
        meetings.topics,
        coalesce(len(meetings.reports_heard), 0) as reports_heard,
        files.file_name,
        meetings.source_sheet,
        meetings.source_row,
        meetings.source_cell,
        files.file_name || '!' || meetings.source_sheet || '!' || meetings.source_cell as source_ref,
        files.received_at,
        meetings.submission_id
    from stg_meetings as meetings
    inner join files
        using (submission_id)
    where meetings.held_on is not null
)

select
    *,
    row_number() over (
        partition by region_code, body, held_on
        order by received_at, submission_id, source_sheet, source_row
    ) = 1 as is_counted
from listed
