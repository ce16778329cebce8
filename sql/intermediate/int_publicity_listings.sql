-- int_publicity_listings: every publicity event a unit's publicity ledgers list, with the listing
--   that counts.
-- grain: one row per listed event (submission_id, source_sheet, source_row).
-- An event's year is that of its held_on, else of its ledger's period. An event listed in two
-- ledgers is one: the first listing of a (unit, year, event as written, held_on), by receipt,
-- names it and is_counted. A press conference is an event of kind 新闻发布会, or of no kind whose
-- name holds 发布会. The publicity mart counts only counted listings; trace lists them all.
-- columns:
--   region_code 单位代码 / the unit whose ledger lists it
--   year 年度 / the event's year
--   event 宣传活动 / the event as written, whitespace removed
--   held_on 举办日期 / its date, when given
--   event_kind 活动类型 / as the ledger says
--   is_press_conference 是否新闻发布会 / as above
--   outlet 媒体 / as the ledger says
--   topic 主题 / as the ledger says
--   file_name 文件名 / the workbook the listing is in
--   source_sheet 工作表 / its sheet
--   source_row 行号 / its 1-based row
--   source_cell 单元格 / its cell
--   source_ref 来源 / <file_name>!<sheet>!<cell>
--   received_at 接收时间 / when that workbook was received
--   submission_id 报送编号 / the workbook's submission
--   is_counted 计入 / the first listing of its (unit, year, event, held_on), the one the mart counts
with files as (
    select distinct submission_id, file_name, period, received_at
    from stg_submissions
),

listed as (
    select
        publicity.region_code,
        coalesce(year(publicity.held_on), cast(left(files.period, 4) as integer)) as year,
        regexp_replace(publicity.event, '\s+', '', 'g') as event,
        publicity.held_on,
        publicity.event_kind,
        publicity.event_kind = '新闻发布会'
        or (publicity.event_kind is null and publicity.event like '%发布会%') as is_press_conference,
        publicity.outlet,
        publicity.topic,
        files.file_name,
        publicity.source_sheet,
        publicity.source_row,
        publicity.source_cell,
        files.file_name || '!' || publicity.source_sheet || '!' || publicity.source_cell as source_ref,
        files.received_at,
        publicity.submission_id
    from stg_publicity as publicity
    inner join files
        using (submission_id)
)

select
    *,
    row_number() over (
        partition by region_code, year, event, held_on
        order by received_at, submission_id, source_sheet, source_row
    ) = 1 as is_counted
from listed
