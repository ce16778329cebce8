-- int_case_listings: every typical case a unit's cases ledgers list, with the listing that counts.
-- grain: one row per listed case (submission_id, source_sheet, source_row).
-- A case's year is that of recognised_on, else of its ledger's period. A case listed in two
-- ledgers is one: the first listing of a (unit, year, case name as written), by receipt, names it
-- and is_counted. A case is from a pilot when its source is 试点 or it names the pilot it came
-- from. The cases mart counts only counted listings; trace lists them all.
-- columns:
--   region_code 单位代码 / the unit whose ledger lists it
--   year 年度 / the case's year
--   case_name 案例名称 / the case as written, whitespace removed
--   recognised_level 认定层级 / national, provincial, city or county
--   recognised_on 认定日期 / when given
--   from_pilot 源自试点 / as above
--   pilot 试点 / the pilot it names, as written
--   pilot_key 试点名 / that name, whitespace removed
--   unit 单位 / as the ledger says
--   file_name 文件名 / the workbook the listing is in
--   source_sheet 工作表 / its sheet
--   source_row 行号 / its 1-based row
--   source_cell 单元格 / its cell
--   received_at 接收时间 / when that workbook was received
--   submission_id 报送编号 / the workbook's submission
--   is_counted 计入 / the first listing of its (unit, year, case), the one the mart counts
with files as (
    select distinct submission_id, file_name, period, received_at
    from stg_submissions
),

listed as (
    select
        cases.region_code,
        coalesce(year(cases.recognised_on), cast(left(files.period, 4) as integer)) as year,
        regexp_replace(cases.case_name, '\s+', '', 'g') as case_name,
        cases.recognised_level,
        cases.recognised_on,
        coalesce(cases.source = 'pilot', false) or cases.pilot is not null as from_pilot,
        cases.pilot,
        regexp_replace(cases.pilot, '\s+', '', 'g') as pilot_key,
        cases.unit,
        files.file_name,
        cases.source_sheet,
        cases.source_row,
        cases.source_cell,
        files.received_at,
        cases.submission_id
    from stg_cases as cases
    inner join files
        using (submission_id)
)

select
    *,
    row_number() over (
        partition by region_code, year, case_name
        order by received_at, submission_id, source_sheet, source_row
    ) = 1 as is_counted
from listed
