-- rpt_annual_details: the report's lists behind the annual assessment (年度考核明细): the units
--   named and why, every deduction with its source, the exemptions and what they removed, the
--   accountability events, and the assigned tasks missing from the assignees' ledgers.
-- grain: one row per listed item (year, section, row_order).
-- columns:
--   year 年度 / the year assessed
--   section 栏目 / named, deductions, exemptions, accountability or missing_assignments
--   row_order 排序 / the item's order within its section
--   unit_name 单位 / the unit
--   item 事项 / what: the reasons for naming, a deduction's reason or rule, the item exempted, the
--     accountability event, the task assigned
--   points 分值 / a deduction's points; an exemption's rule points not deducted
--   date_text 日期 / the date or quarter of the item
--   document_no 文号 / a document or decision number, where there is one
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the ledger row behind the item
with roster as (
    select code, name from stg_roster
),

rule_names as (
    select *
    from (
        values
            ('per_unsubmitted_quarter', '未按要求报送台账（每季度）'),
            ('per_late_quarter', '逾期报送台账（每季度）'),
            ('per_overdue_major_task', '重大改革任务逾期未完成（每项每季度）'),
            ('per_group_quarter_without_meeting', '专项小组未按季度召开会议（每个每季度）'),
            ('per_review_missed', '未按年度计划上会审议（每个方案）'),
            ('per_finding_without_notice', '督察发现问题未整改督办（每次督察）')
    ) as r (rule, rule_zh)
),

named as (
    select
        year,
        'named' as section,
        row_number() over (partition by year order by scope_level, rank desc, scope_code) as row_order,
        scope_code,
        named_reasons as item,
        cast(null as double) as points,
        cast(null as varchar) as date_text,
        cast(null as varchar) as document_no,
        cast(null as varchar) as source_ref
    from mart_annual_assessment
    where named
),

deductions as (
    select
        deductions.year,
        'deductions',
        row_number() over (
            partition by deductions.year
            order by deductions.scope_code, deductions.origin, deductions.rule, deductions.period, deductions.source_ref
        ),
        deductions.scope_code,
        case when deductions.origin = 'ledger' then deductions.detail
            else rule_names.rule_zh || '：' || deductions.detail end,
        deductions.points,
        deductions.period,
        null,
        deductions.source_ref
    from mart_assessment_deductions as deductions
    left join rule_names
        using (rule)
),

exemptions as (
    select
        year,
        'exemptions',
        row_number() over (partition by year order by scope_code, decided_on, source_ref),
        scope_code,
        item || '（' || case ground
            when 'inexperience' then '缺乏经验先行先试'
            when 'exploration' then '探索创新'
            when 'development' then '推动发展'
            else '情形未填'
        end || '）' || coalesce('：' || removed, '：未涉及逾期事项'),
        points_removed,
        strftime(decided_on, '%Y-%m-%d'),
        decision_no,
        source_ref
    from mart_exemptions
),

accountability as (
    select
        year,
        'accountability',
        row_number() over (partition by year order by unit_code, on_date, source_ref),
        unit_code,
        title || coalesce('（' || decision || '）', ''),
        null,
        strftime(on_date, '%Y-%m-%d'),
        document_no,
        source_ref
    from int_office_listings
    where kind = 'accountability' and is_counted
),

missing_assignments as (
    select
        year,
        'missing_assignments',
        row_number() over (partition by year order by lead_code, source_ref),
        lead_code,
        task,
        null,
        strftime(deadline_on, '%Y-%m-%d'),
        null,
        source_ref
    from int_assignments
    where is_counted and not found
),

listed as (
    select * from named
    union all
    select * from deductions
    union all
    select * from exemptions
    union all
    select * from accountability
    union all
    select * from missing_assignments
)

select
    listed.year,
    listed.section,
    listed.row_order,
    roster.name as unit_name,
    listed.item,
    listed.points,
    listed.date_text,
    listed.document_no,
    listed.source_ref
from listed
inner join roster
    on roster.code = listed.scope_code
