-- mart_assessment_deductions: every deduction of the annual assessment (年度考核扣分明细), from
--   the reform office's deductions ledger or from a rule of [assessment.deductions], with the
--   cell or the figures behind it; the year's assessment sums them.
-- grain: one row per deduction: a counted deductions row, or one failure a rule counts.
-- A unit is charged for its own failures (its own ledgers and submissions; a city is not charged
-- for its counties'), in the assessed quarters (int_assessment_quarters). A rule whose points are
-- 0 (the default) charges nothing and lists nothing. The rules:
--   per_unsubmitted_quarter: an expected quarter in which a ledger [expect] lists for the unit's
--     level was never sent (a quarter no unit reported for counts too), once per quarter;
--   per_late_quarter: an expected quarter whose ledgers were all sent but one first after
--     E + grace_days, once per quarter;
--   per_overdue_major_task: each overdue, open major task of the unit's ledger, in each quarter it
--     is so (an exempted task is not: int_task_facts.exempted);
--   per_group_quarter_without_meeting: each 专项小组 of the unit and quarter below the minimum
--     (mart_meeting_compliance);
--   per_review_missed: each plan of the unit's ledger at the year's cut-off quarter whose planned
--     review date passed without its review (int_plan_facts.review_missed);
--   per_finding_without_notice: each inspection of the unit that year whose findings became no
--     整改督办通知, [assessment] notice_days or more before the cut-off quarter's end.
-- columns:
--   year 年度 / the year assessed
--   scope_code 单位代码 / the unit that loses the points
--   scope_level 单位层级 / city, county or department
--   origin 扣分类型 / ledger (扣分台账) or rule ([assessment.deductions])
--   rule 扣分规则 / the rule's name; null for a ledger deduction
--   period 周期 / the quarter the failure is of; null for a ledger deduction or a yearly one
--   points 扣分 / the points deducted
--   detail 说明 / the reason or the figures, in Chinese
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the deductions row or of the failing ledger
--     row; null for a failure of no row (a ledger not sent, a body that did not meet)
with units as (
    select * from int_assessment_units
),

year_units as (
    select distinct year, unit_code, unit_level
    from units
),

cut_off as (
    select * from units
    where is_cut_off
),

rules as (
    select * from stg_config_deductions
    where points > 0
),

config as (
    select * from stg_config
),

files as (
    select distinct submission_id, file_name
    from stg_submissions
),

kind_names as (
    select *
    from (
        values
            ('tasks', '改革任务台账'),
            ('rectifications', '督察整改台账'),
            ('pilots', '改革试点台账'),
            ('plans', '专项改革方案台账'),
            ('satisfaction', '群众满意度测评'),
            ('meetings', '会议台账'),
            ('publicity', '改革宣传台账'),
            ('cases', '改革典型案例'),
            ('inspections', '督察台账')
    ) as k (kind, kind_zh)
),

ledger as (
    select
        year_units.year,
        year_units.unit_code as scope_code,
        year_units.unit_level as scope_level,
        'ledger' as origin,
        cast(null as varchar) as rule,
        cast(null as varchar) as period,
        listings.points,
        '扣分台账：' || listings.title
        || '（' || strftime(listings.on_date, '%Y-%m-%d')
        || coalesce('，' || listings.document_no, '') || '）' as detail,
        listings.source_ref
    from int_office_listings as listings
    inner join year_units
        on year_units.year = listings.year
        and year_units.unit_code = listings.unit_code
    where listings.kind = 'deductions' and listings.is_counted
),

expected as (
    select
        units.year,
        units.period,
        units.unit_code,
        units.unit_level,
        expect.kind,
        coalesce(submissions.is_submitted, false) as is_submitted,
        coalesce(submissions.is_on_time, false) as is_on_time
    from units
    inner join stg_config_expect as expect
        on expect.level = units.unit_level
    left join int_expected_submissions as submissions
        on submissions.period = units.period
        and submissions.unit_code = units.unit_code
        and submissions.kind = expect.kind
),

unsent_kinds as (
    select
        expected.year,
        expected.period,
        expected.unit_code,
        array_to_string(list(kind_names.kind_zh order by expected.kind), '、') as unsent
    from expected
    left join kind_names
        using (kind)
    where not expected.is_submitted
    group by expected.year, expected.period, expected.unit_code
),

late_kinds as (
    select
        expected.year,
        expected.period,
        expected.unit_code,
        array_to_string(list(kind_names.kind_zh order by expected.kind), '、') as late
    from expected
    left join kind_names
        using (kind)
    where expected.is_submitted and not expected.is_on_time
    group by expected.year, expected.period, expected.unit_code
),

quarter_sending as (
    select
        units.year,
        units.period,
        units.unit_code,
        units.unit_level,
        unsent_kinds.unsent,
        late_kinds.late
    from units
    left join unsent_kinds
        on unsent_kinds.period = units.period
        and unsent_kinds.unit_code = units.unit_code
    left join late_kinds
        on late_kinds.period = units.period
        and late_kinds.unit_code = units.unit_code
),

unsubmitted as (
    select
        year,
        unit_code as scope_code,
        unit_level as scope_level,
        'rule' as origin,
        'per_unsubmitted_quarter' as rule,
        period,
        rules.points,
        period || ' 未报送：' || unsent as detail,
        cast(null as varchar) as source_ref
    from quarter_sending
    inner join rules
        on rules.rule = 'per_unsubmitted_quarter'
    where unsent is not null
),

late as (
    select
        year,
        unit_code,
        unit_level,
        'rule',
        'per_late_quarter',
        period,
        rules.points,
        period || ' 逾期报送：' || late,
        null
    from quarter_sending
    inner join rules
        on rules.rule = 'per_late_quarter'
    where late is not null and unsent is null
),

overdue_major as (
    select
        units.year,
        units.unit_code,
        units.unit_level,
        'rule',
        'per_overdue_major_task',
        units.period,
        rules.points,
        units.period || ' 重大改革任务逾期未完成：' || tasks.task
        || '（完成时限：' || coalesce(tasks.deadline_text, '未填') || '）',
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell
    from int_task_facts as facts
    inner join units
        on units.period = facts.period
        and units.unit_code = facts.region_code
    inner join stg_tasks as tasks
        using (submission_id, source_sheet, source_row)
    inner join files
        on files.submission_id = facts.submission_id
    inner join rules
        on rules.rule = 'per_overdue_major_task'
    where facts.major_due and not facts.major_due_done and not facts.exempted
),

no_meeting as (
    select
        units.year,
        units.unit_code,
        units.unit_level,
        'rule',
        'per_group_quarter_without_meeting',
        units.period,
        rules.points,
        units.period || ' ' || meetings.body || '召开会议' || cast(meetings.meetings as varchar)
        || '次，少于每季度' || cast(config.meetings_per_quarter as varchar) || '次',
        null
    from mart_meeting_compliance as meetings
    inner join units
        on units.period = meetings.period
        and units.unit_code = meetings.scope_code
    cross join config
    inner join rules
        on rules.rule = 'per_group_quarter_without_meeting'
    where meetings.is_special_group and not meetings.quarter_met
),

review_missed as (
    select
        cut_off.year,
        cut_off.unit_code,
        cut_off.unit_level,
        'rule',
        'per_review_missed',
        cut_off.period,
        rules.points,
        '未按年度计划上会审议：' || plans.plan
        || '（计划上会：' || strftime(plans.review_planned_on, '%Y-%m-%d') || '）',
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell
    from int_plan_facts as facts
    inner join cut_off
        on cut_off.period = facts.period
        and cut_off.unit_code = facts.region_code
    inner join stg_plans as plans
        using (submission_id, source_sheet, source_row)
    inner join files
        on files.submission_id = facts.submission_id
    inner join rules
        on rules.rule = 'per_review_missed'
    where facts.review_missed
),

no_notice as (
    select
        cut_off.year,
        cut_off.unit_code,
        cut_off.unit_level,
        'rule',
        'per_finding_without_notice',
        cast(null as varchar),
        rules.points,
        '督察发现问题未见整改督办：' || inspections.inspection
        || '（' || strftime(inspections.started_on, '%Y-%m-%d') || '，发现问题'
        || cast(inspections.findings as varchar) || '个）',
        inspections.source_ref
    from int_inspections as inspections
    inner join cut_off
        on cut_off.year = inspections.year
        and cut_off.unit_code = inspections.inspected_code
    cross join config
    inner join rules
        on rules.rule = 'per_finding_without_notice'
    where inspections.is_counted
        and inspections.inspections_with_findings
        and not inspections.findings_noticed
        and inspections.started_on + config.notice_days <= cut_off.period_end
)

select * from ledger
union all
select * from unsubmitted
union all
select * from late
union all
select * from overdue_major
union all
select * from no_meeting
union all
select * from review_missed
union all
select * from no_notice
order by year, scope_code, origin, rule, period, source_ref, detail
