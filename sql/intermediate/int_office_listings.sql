-- int_office_listings: every row of the reform office's current deductions (扣分), exemptions
--   (容错免责) and accountability (问责) ledgers, the unit it is about, and whether it is the
--   listing the annual assessment counts.
-- grain: one row per row of a current deductions, exemptions or accountability submission
--   (kind, submission_id, source_sheet, source_row).
-- The office keeps one running ledger a year and may send it again each quarter, correcting it:
-- a deduction or an accountability event is the same one in another listing when its (unit, day,
-- reason) is, an exemption when its (unit, item, decision_no) is — texts compared with whitespace
-- and punctuation removed. Of the listings of one, the latest received counts, with every row
-- it gives that key (two deductions of one day and reason, in one ledger, are two): a resend
-- that corrects a deduction's points or document number replaces the row, it does not add one;
-- one that changes a key (the reason's wording, the day, an exemption's decision_no) lists
-- another row, and a row left out of a later listing still counts. Its
-- year is that of its own date (occurred_on, decided_on), whatever the ledger's period.
-- columns:
--   kind 台账类型 / deductions, exemptions or accountability
--   year 年度 / the year of occurred_on (decided_on for an exemption)
--   unit_code 单位代码 / the roster unit the row names (looked up at ingest)
--   region_code 填报单位代码 / the unit that sent the ledger (the reform office's)
--   submission_id 报送编号 / the submission (file) the row came from
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   source_cell 单元格 / A1 reference of the row's identifying cell (扣分原因, 免责事项, 问责事由)
--   source_ref 来源 / <file_name>!<sheet>!<cell> of that cell
--   unit 单位 / the unit as written
--   on_date 日期 / occurred_on, or decided_on for an exemption
--   title 事由或事项 / reason (deductions, accountability) or item (exemptions), as written
--   title_key 事由键 / title lower-cased without whitespace, punctuation or symbols
--   points 扣分分值 / a deduction's points (null for the other kinds)
--   source 扣分来源 / a deduction's source: inspection, circular, overdue or other
--   document_no 文号 / document_no, or decision_no for an exemption
--   ground 认定情形 / an exemption's ground: inexperience, exploration or development
--   decision 处理结果 / an accountability event's decision
--   is_counted 计入 / the listing the assessment counts: the latest received of its key
with files as (
    select distinct submission_id, file_name, received_at
    from stg_submissions
),

listed as (
    select
        'deductions' as kind,
        unit_code,
        region_code,
        submission_id,
        source_sheet,
        source_row,
        source_cell,
        unit,
        occurred_on as on_date,
        reason as title,
        points,
        source,
        document_no,
        cast(null as varchar) as ground,
        cast(null as varchar) as decision
    from stg_deductions
    union all
    select
        'exemptions',
        unit_code,
        region_code,
        submission_id,
        source_sheet,
        source_row,
        source_cell,
        unit,
        decided_on,
        item,
        null,
        null,
        decision_no,
        ground,
        null
    from stg_exemptions
    union all
    select
        'accountability',
        unit_code,
        region_code,
        submission_id,
        source_sheet,
        source_row,
        source_cell,
        unit,
        occurred_on,
        reason,
        null,
        null,
        document_no,
        null,
        decision
    from stg_accountability
),

keyed as (
    select
        listed.*,
        regexp_replace(lower(listed.title), '[\s\p{P}\p{S}]+', '', 'g') as title_key,
        regexp_replace(lower(coalesce(listed.document_no, '')), '[\s\p{P}\p{S}]+', '', 'g') as document_key,
        files.file_name,
        files.received_at
    from listed
    inner join files
        using (submission_id)
)

select
    kind,
    year(on_date) as year,
    unit_code,
    region_code,
    submission_id,
    source_sheet,
    source_row,
    source_cell,
    file_name || '!' || source_sheet || '!' || source_cell as source_ref,
    unit,
    on_date,
    title,
    title_key,
    points,
    source,
    document_no,
    ground,
    decision,
    submission_id = first_value(submission_id) over (
        partition by
            kind,
            unit_code,
            case when kind = 'exemptions' then document_key else cast(on_date as varchar) end,
            title_key
        order by received_at desc, submission_id desc
    ) as is_counted
from keyed
