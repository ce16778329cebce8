-- int_inspections: every listing of an inspection (督察) in a current inspections ledger, whether
--   it is the listing mart_inspections counts, and what it found and led to.
-- grain: one row per inspections row of a current submission (submission_id, source_sheet, source_row).
-- An office's ledger names the units it inspected, so an inspection belongs to the unit inspected:
-- the roster unit 被督察单位 names (inspected_code, looked up at ingest), else the submitting unit
-- (a blank, or a body of its own such as 县发改局). An inspection listed more than once (a yearly
-- ledger re-sent each quarter; one joint inspection in the province's and the city's ledgers) is
-- counted once per (unit inspected, 督察事项 with whitespace removed, started_on), by the listing
-- received first; its year is that of started_on.
-- A finding becomes a notice (整改督办) when the inspection's notice_no appears in a current
-- rectifications ledger of the unit inspected, any period; numbers are compared with whitespace
-- removed, every bracket written as 〔〕 and no final 号 (川改督[2024]3号 = 川改督〔2024〕3).
-- columns:
--   year 年度 / the year of started_on
--   region_code 填报单位代码 / the unit whose ledger lists the inspection
--   inspected_code 被督察单位代码 / the unit inspected: the roster unit named, else the submitting unit
--   submission_id 报送编号 / the submission (file) the row came from
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   source_cell 单元格 / A1 reference of the 督察事项 cell
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the 督察事项 cell
--   inspection 督察事项 / as written
--   inspector 督察主体 / as written
--   inspected_unit 被督察单位 / as written (blank: the submitting unit)
--   started_on 督察时间 / when the inspection began
--   subject 督察对象 / the plan, task or rectification inspected, as written
--   subject_kind 督察对象类型 / plan, task, rectification or other; null when not given
--   mode_text 督察方式 / as written
--   joint 联合督察 / from 督察方式 (null: not read)
--   covert 暗访 / from 督察方式
--   onsite 实地督察 / from 督察方式
--   third_party 第三方评估 / a third party evaluated
--   findings 发现问题数 / problems found (0 when blank)
--   notice_no 整改督办通知文号 / as written
--   report_filed_on 评估报告报送时间 / when the report went to the office one level up
--   is_counted 计入 / the listing the marts count: the first received of its inspection
--   inspections_with_findings 发现问题的督察 / findings > 0
--   findings_noticed 问题已督办 / findings > 0 and notice_no found in the unit inspected's
--     rectification ledgers
--   reports_filed 已报送评估报告 / report_filed_on given
--   notice_ref 督办来源 / <file_name>!<sheet>!<cell> of the first rectification item carrying the
--     notice, when found
with inspections as (
    select * from stg_inspections
),

rectifications as (
    select * from stg_rectifications
),

files as (
    select distinct submission_id, file_name, received_at
    from stg_submissions
),

-- Every notice number either side writes, keyed once.
notice_keys as (
    select
        notice_no,
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(notice_no, '\s+', '', 'g'),
                    '[\[\(（〔【［｛{]', '〔', 'g'
                ),
                '[\]\)）〕】］｝}]', '〕', 'g'
            ),
            -- Anchored at the end, it matches once at most: 'g' says so to engines (Spark) whose
            -- replace is always global.
            '号$', '', 'g'
        ) as notice_key
    from (
        select notice_no from inspections where notice_no is not null
        union
        select notice_no from rectifications where notice_no is not null
    )
),

notices as (
    select
        rectifications.region_code,
        notice_keys.notice_key,
        arg_min(
            files.file_name || '!' || rectifications.source_sheet || '!' || rectifications.source_cell,
            (files.received_at, rectifications.submission_id, rectifications.source_sheet, rectifications.source_row)
        ) as notice_ref
    from rectifications
    inner join notice_keys
        using (notice_no)
    inner join files
        using (submission_id)
    group by rectifications.region_code, notice_keys.notice_key
),

listed as (
    select
        year(inspections.started_on) as year,
        inspections.region_code,
        coalesce(inspections.inspected_code, inspections.region_code) as inspected_code,
        inspections.submission_id,
        inspections.source_sheet,
        inspections.source_row,
        inspections.source_cell,
        files.file_name || '!' || inspections.source_sheet || '!' || inspections.source_cell as source_ref,
        inspections.inspection,
        inspections.inspector,
        inspections.inspected_unit,
        inspections.started_on,
        inspections.subject,
        inspections.subject_kind,
        inspections.mode_text,
        inspections.joint,
        inspections.covert,
        inspections.onsite,
        coalesce(inspections.third_party, false) as third_party,
        coalesce(inspections.findings, 0) as findings,
        inspections.notice_no,
        inspections.report_filed_on,
        files.received_at
    from inspections
    inner join files
        using (submission_id)
),

counted as (
    select
        listed.*,
        row_number() over (
            partition by
                listed.inspected_code,
                regexp_replace(listed.inspection, '\s+', '', 'g'),
                listed.started_on
            order by listed.received_at, listed.submission_id, listed.source_sheet, listed.source_row
        ) = 1 as is_counted
    from listed
)

select
    counted.year,
    counted.region_code,
    counted.inspected_code,
    counted.submission_id,
    counted.source_sheet,
    counted.source_row,
    counted.source_cell,
    counted.source_ref,
    counted.inspection,
    counted.inspector,
    counted.inspected_unit,
    counted.started_on,
    counted.subject,
    counted.subject_kind,
    counted.mode_text,
    counted.joint,
    counted.covert,
    counted.onsite,
    counted.third_party,
    counted.findings,
    counted.notice_no,
    counted.report_filed_on,
    counted.is_counted,
    counted.findings > 0 as inspections_with_findings,
    counted.findings > 0 and notices.notice_key is not null as findings_noticed,
    counted.report_filed_on is not null as reports_filed,
    notices.notice_ref
from counted
left join notice_keys
    on notice_keys.notice_no = counted.notice_no
left join notices
    on notices.region_code = counted.inspected_code
    and notices.notice_key = notice_keys.notice_key
