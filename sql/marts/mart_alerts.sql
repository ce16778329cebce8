-- mart_alerts: the findings to be named (点名通报), each with where it came from.
-- grain: one row per finding: (period, scope_code, alert, source_ref) for row findings, (period,
--   scope_code, alert, detail) for unit findings.
-- Findings about a row name the unit whose ledger holds it (finding_without_notice: the unit
-- inspected); only units valid in the period count.
-- columns:
--   period 周期 / the reporting period
--   scope_code 单位代码 / the unit named
--   scope_level 单位层级 / city, county or department (province too for group_did_not_meet,
--     plan_not_inspected and finding_without_notice)
--   alert 预警类型 / missing_submission, overdue_major_task, rectification_overdue,
--     pilot_overterm, low_satisfaction, bottom_rank (the last city, and the last department,
--     each among its own); the supervision loop's issued_before_review
--     (a plan issued without or before its review), plan_closable_not_closed,
--     plan_closed_with_open_items, rectification_closed_late, closed_without_date,
--     closed_without_recheck, overdue_not_rechecked (int_plan_facts, int_rectification_facts);
--     below_pass_score (composite score under [assessment] pass_score); from
--     mart_ledger_changes, deadline_pushed_back (a deadline later than last period's, with no
--     remarks) and row_vanished (an unfinished task or rectification item gone from this
--     period's ledger); their source_ref is the newer cell, or the older one for row_vanished;
--     group_did_not_meet (a 专项小组 of a unit, the province's included, that held fewer than
--     [compliance] meetings_per_quarter meetings in the quarter; mart_meeting_compliance), its
--     source_ref the body's latest meeting before, if any; and from 督察 (issue 33):
--     plan_not_inspected (a plan due for the year's inspection that had none, named at each
--     period ending on 31 December, the province's plans too; int_inspection_plans),
--     finding_without_notice (an inspection that found problems whose notice_no appears in no
--     rectification ledger of the unit inspected, named at each period of its year ending
--     [assessment] notice_days or more after it began; int_inspections), milestone_missed (a
--     rectification item not done with a milestone passed and no report since;
--     int_rectification_facts), each with the row's cell; and from the annual assessment
--     (issue 34): review_plan_missed (a plan whose 计划上会时间 passed with no review;
--     int_plan_facts), named_in_annual_assessment (a unit 点名通报 in mart_annual_assessment,
--     named at the year's fourth quarter, once the year is whole, with its reasons), accountability_event (a counted
--     问责 row, in the quarter it occurred, with its cell), assigned_task_missing (a task of the
--     province's breakdown not in the assignee's tasks ledgers of the year, named at the year's
--     latest period with the breakdown's cell; int_assignments); an exempted task or rectification
--     item raises no overdue alert from its decision on
--   detail 说明 / what was found, in Chinese
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the ledger row, null for unit findings
--   submission_id 报送编号 / the submission (file) source_ref's cell is in, null for unit findings
with units as (
    select * from int_scopes
    where scope_level in ('city', 'county', 'department')
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

files as (
    select distinct submission_id, file_name
    from stg_submissions
),

missing_submission as (
    select
        expected.period,
        expected.unit_code as scope_code,
        expected.unit_level as scope_level,
        'missing_submission' as alert,
        units.scope_name || '未报送' || kind_names.kind_zh || '（' || expected.period || '）' as detail,
        null as source_ref,
        null as submission_id
    from int_expected_submissions as expected
    inner join units
        on units.period = expected.period
        and units.scope_code = expected.unit_code
    inner join kind_names
        on kind_names.kind = expected.kind
    where not expected.is_submitted
),

overdue_major_task as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'overdue_major_task' as alert,
        '重大改革任务逾期未完成：' || tasks.task
        || '（完成时限：' || coalesce(tasks.deadline_text, '未填') || '；状态：' || coalesce(tasks.status_text, '未填') || '）' as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref,
        facts.submission_id
    from int_task_facts as facts
    inner join stg_tasks as tasks
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.major_due and not facts.major_due_done and not facts.exempted
),

rectification_overdue as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'rectification_overdue' as alert,
        '整改事项逾期未完成：' || items.problem
        || '（整改时限：' || coalesce(items.deadline_text, '未填') || '；状态：' || coalesce(items.status_text, '未填') || '）' as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref,
        facts.submission_id
    from int_rectification_facts as facts
    inner join stg_rectifications as items
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.overdue_open
),

pilot_overterm as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'pilot_overterm' as alert,
        '改革试点超过2年未结束：' || pilots.pilot
        || '（启动时间：' || strftime(pilots.started_on, '%Y-%m-%d') || '）' as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref,
        facts.submission_id
    from int_pilot_facts as facts
    inner join stg_pilots as pilots
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.overterm
),

low_satisfaction as (
    select
        satisfaction.period,
        satisfaction.scope_code,
        satisfaction.scope_level,
        'low_satisfaction' as alert,
        units.scope_name || '群众满意率 ' || format('{:.1f}', 100 * satisfaction.satisfaction_rate)
        || '%，不高于50%（有效票 ' || satisfaction.valid || '）' as detail,
        null as source_ref,
        null as submission_id
    from mart_satisfaction as satisfaction
    inner join units
        on units.period = satisfaction.period
        and units.scope_code = satisfaction.scope_code
    where satisfaction.satisfaction_rate <= 0.5 and not satisfaction.low_sample
),

-- The supervision loop's findings about a plan or rectification row (issue 19): each source row
-- joined to its values once, each finding a filter on its flags, then named and located once.
plan_rows as (
    select facts.*, plans.plan, plans.issued_on, plans.reviewed_on, plans.closed_on,
        plans.items_total, plans.items_done
    from int_plan_facts as facts
    inner join stg_plans as plans
        using (submission_id, source_sheet, source_row)
),

rectification_rows as (
    select facts.*, items.problem, items.deadline_on, items.closed_on, items.reviewed_on,
        items.status_text, items.last_report_on, config.recheck_days
    from int_rectification_facts as facts
    inner join stg_rectifications as items
        using (submission_id, source_sheet, source_row)
    cross join stg_config as config
),

loop_findings as (
    select period, region_code, submission_id, source_sheet, source_cell,
        'issued_before_review' as alert,
        case
            when issued_without_review then '专项改革方案未经上会审议即出台：' || plan
                || '（出台时间：' || strftime(issued_on, '%Y-%m-%d') || '）'
            else '专项改革方案先出台后审议：' || plan
                || '（出台：' || strftime(issued_on, '%Y-%m-%d')
                || '；审议：' || strftime(reviewed_on, '%Y-%m-%d') || '）'
        end as detail
    from plan_rows
    where issued_without_review or issued_before_review
    union all
    select period, region_code, submission_id, source_sheet, source_cell,
        'plan_closable_not_closed',
        '专项改革方案事项已全部完成但未销账：' || plan || '（事项 ' || items_done || '/' || items_total || '）'
    from plan_rows
    where closable_not_closed
    union all
    select period, region_code, submission_id, source_sheet, source_cell,
        'plan_closed_with_open_items',
        '专项改革方案带未完成事项销账：' || plan
        || '（事项 ' || coalesce(items_done, 0) || '/' || items_total
        || '；销账：' || strftime(closed_on, '%Y-%m-%d') || '）'
    from plan_rows
    where closed_with_open_items
    union all
    select period, region_code, submission_id, source_sheet, source_cell,
        'rectification_closed_late',
        '整改事项超期销号：' || problem
        || '（整改时限：' || strftime(deadline_on, '%Y-%m-%d')
        || '；销号：' || strftime(closed_on, '%Y-%m-%d') || '）'
    from rectification_rows
    where closed_late
    union all
    select period, region_code, submission_id, source_sheet, source_cell,
        'closed_without_date',
        '整改事项标为' || coalesce(status_text, '已整改') || '但无销号日期，无法核实：' || problem
    from rectification_rows
    where closed_without_date
    union all
    select period, region_code, submission_id, source_sheet, source_cell,
        'closed_without_recheck',
        '整改事项未经复查即销号：' || problem
    from rectification_rows
    where closed_without_recheck
    union all
    select period, region_code, submission_id, source_sheet, source_cell,
        'milestone_missed',
        '整改事项进度节点未跟进：' || problem
        || '（未跟进的节点：' || array_to_string(list_transform(missed_milestones, lambda m: strftime(m, '%Y-%m-%d')), '、')
        || '；最近交账：' || coalesce(strftime(last_report_on, '%Y-%m-%d'), '无') || '）'
    from rectification_rows
    where milestones_missed
    union all
    select period, region_code, submission_id, source_sheet, source_cell,
        'overdue_not_rechecked',
        '逾期未整改事项近' || recheck_days || '天未复查：' || problem
        || '（最近复查：' || coalesce(strftime(reviewed_on, '%Y-%m-%d'), '无') || '）'
    from rectification_rows
    where overdue_not_rechecked
),

supervision_loop as (
    select
        findings.period,
        units.scope_code,
        units.scope_level,
        findings.alert,
        findings.detail,
        files.file_name || '!' || findings.source_sheet || '!' || findings.source_cell as source_ref,
        findings.submission_id
    from loop_findings as findings
    inner join units
        on units.period = findings.period
        and units.scope_code = findings.region_code
    inner join files
        on files.submission_id = findings.submission_id
),

below_pass_score as (
    select
        scorecard.period,
        scorecard.scope_code,
        scorecard.scope_level,
        'below_pass_score' as alert,
        units.scope_name || '综合得分 ' || format('{:.2f}', scorecard.composite_score)
        || '，低于达标分数线 ' || format('{:.2f}', config.pass_score) || '（不达标）' as detail,
        null as source_ref,
        null as submission_id
    from mart_scorecard as scorecard
    inner join units
        on units.period = scorecard.period
        and units.scope_code = scorecard.scope_code
    cross join stg_config as config
    where scorecard.composite_score < config.pass_score
),

deadline_pushed_back as (
    select
        changes.period,
        units.scope_code,
        units.scope_level,
        'deadline_pushed_back' as alert,
        '完成时限无说明延后：' || changes.row_key
        || '（' || changes.old_value || ' → ' || changes.new_value || '；原：' || changes.old_ref || '）' as detail,
        changes.new_ref as source_ref,
        changes.new_submission_id as submission_id
    from mart_ledger_changes as changes
    inner join units
        on units.period = changes.period
        and units.scope_code = changes.scope_code
    where changes.change = 'deadline_later'
        and changes.comparison = 'previous_period'
        and not changes.has_note
),

row_vanished as (
    select
        changes.period,
        units.scope_code,
        units.scope_level,
        'row_vanished' as alert,
        case changes.kind when 'tasks' then '改革任务' else '整改事项' end
        || '未办结即从本期台账消失：' || changes.row_key
        || '（上期状态：' || coalesce(changes.old_value, '未填') || '）' as detail,
        changes.old_ref as source_ref,
        changes.old_submission_id as submission_id
    from mart_ledger_changes as changes
    inner join units
        on units.period = changes.period
        and units.scope_code = changes.scope_code
    where changes.change = 'row_removed'
        and changes.comparison = 'previous_period'
        and changes.kind in ('tasks', 'rectifications')
),

group_did_not_meet as (
    -- The province's own groups count too: its 专项小组 are the ones the opinions name.
    select
        meetings.period,
        meetings.scope_code,
        meetings.scope_level,
        'group_did_not_meet' as alert,
        '专项小组本季度未召开会议：' || meetings.body
        || '（' || meetings.meetings || '次，要求至少' || config.meetings_per_quarter || '次；最近一次：'
        || coalesce(cast(meetings.last_held_on as varchar), '无') || '）' as detail,
        meetings.source_ref,
        latest.submission_id
    from mart_meeting_compliance as meetings
    inner join int_scopes as scopes
        on scopes.period = meetings.period
        and scopes.scope_code = meetings.scope_code
    cross join stg_config as config
    -- The listing source_ref names: the counted one of the body's latest meeting (one per day).
    left join int_meeting_listings as latest
        on latest.region_code = meetings.scope_code
        and latest.body = meetings.body
        and latest.held_on = meetings.last_held_on
        and latest.is_counted
    where meetings.is_special_group and not meetings.quarter_met
),

-- 督察 (issue 33): a plan not inspected in its year, named when the year has ended; a finding
-- with no notice, named in every period of its year ending [assessment] notice_days or more after
-- the inspection (a notice takes some days to go out). Both read the listing models the mart
-- counts from.
plan_not_inspected as (
    select
        periods.period,
        scopes.scope_code,
        scopes.scope_level,
        'plan_not_inspected' as alert,
        '专项改革方案本年度未开展督察评估：' || plans.plan
        || '（出台：' || strftime(plans.issued_on, '%Y-%m-%d') || '；' || plans.year || '年）' as detail,
        plans.source_ref,
        plans.submission_id
    from int_inspection_plans as plans
    inner join int_periods as periods
        on periods.period_end = make_date(plans.year, 12, 31)
    inner join int_scopes as scopes
        on scopes.period = periods.period
        and scopes.scope_code = plans.region_code
    where plans.plans_due and not plans.plans_inspected
),

finding_without_notice as (
    select
        periods.period,
        scopes.scope_code,
        scopes.scope_level,
        'finding_without_notice' as alert,
        '督察发现问题未见整改督办：' || inspections.inspection
        || '（' || strftime(inspections.started_on, '%Y-%m-%d') || '，发现问题' || inspections.findings
        || '个；督办通知文号：' || coalesce(inspections.notice_no, '未填')
        || '，未见于被督察单位的整改台账）' as detail,
        inspections.source_ref,
        inspections.submission_id
    from int_inspections as inspections
    cross join stg_config as config
    inner join int_periods as periods
        on year(periods.period_end) = inspections.year
        and periods.period_end >= inspections.started_on + config.notice_days
    inner join int_scopes as scopes
        on scopes.period = periods.period
        and scopes.scope_code = inspections.inspected_code
    where inspections.is_counted
        and inspections.inspections_with_findings
        and not inspections.findings_noticed
),

bottom_rank as (
    select
        scorecard.period,
        scorecard.scope_code,
        scorecard.scope_level,
        'bottom_rank' as alert,
        units.scope_name || '综合得分 ' || format('{:.2f}', scorecard.composite_score)
        || case scorecard.scope_level when 'city' then '，居市（州）末位（第' else '，居省直部门末位（第' end
        || scorecard.rank || '名）' as detail,
        null as source_ref,
        null as submission_id
    from mart_scorecard as scorecard
    inner join units
        on units.period = scorecard.period
        and units.scope_code = scorecard.scope_code
    -- Cities are named among the cities, departments among the departments.
    where scorecard.scope_level in ('city', 'department')
    qualify scorecard.rank = max(scorecard.rank) over (partition by scorecard.period, scorecard.scope_level)
),

review_plan_missed as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'review_plan_missed' as alert,
        '专项改革方案未按年度计划上会审议：' || plans.plan
        || '（计划上会：' || strftime(plans.review_planned_on, '%Y-%m-%d') || '）' as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref,
        facts.submission_id
    from int_plan_facts as facts
    inner join stg_plans as plans
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.review_missed
),

-- An assigned task missing from the assignee's ledgers, named at the year's latest period.
assigned_task_missing as (
    select
        periods.period,
        scopes.scope_code,
        scopes.scope_level,
        'assigned_task_missing' as alert,
        '分解任务未纳入本单位台账：' || assignments.task
        || '（' || cast(assignments.year as varchar) || '年任务分解，完成时限：'
        || coalesce(strftime(assignments.deadline_on, '%Y-%m-%d'), '未填') || '）' as detail,
        assignments.source_ref,
        assignments.submission_id
    from int_assignments as assignments
    inner join (
        select year(period_end) as year, max(period) as period
        from int_periods
        group by year(period_end)
    ) as periods
        on periods.year = assignments.year
    inner join int_scopes as scopes
        on scopes.period = periods.period
        and scopes.scope_code = assignments.lead_code
    where assignments.is_counted and not assignments.found
),

-- The annual assessment names its units once the year is whole: at its fourth quarter (a year
-- in progress is assessed so far in mart_annual_assessment, but names no one).
named_in_annual_assessment as (
    select
        quarters.period,
        assessment.scope_code,
        assessment.scope_level,
        'named_in_annual_assessment' as alert,
        cast(assessment.year as varchar) || '年度考核点名通报：' || assessment.named_reasons as detail,
        null as source_ref,
        null as submission_id
    from mart_annual_assessment as assessment
    inner join int_assessment_quarters as quarters
        on quarters.year = assessment.year
        and quarters.is_cut_off
        and quarters.quarter = 4
    where assessment.named
),

accountability_event as (
    select
        quarters.period,
        listings.unit_code as scope_code,
        roster.level as scope_level,
        'accountability_event' as alert,
        '问责：' || listings.title || '（' || strftime(listings.on_date, '%Y-%m-%d')
        || coalesce('，' || listings.decision, '') || coalesce('，' || listings.document_no, '') || '）' as detail,
        listings.source_ref,
        listings.submission_id
    from int_office_listings as listings
    inner join int_assessment_quarters as quarters
        on listings.on_date between quarters.period_start and quarters.period_end
    inner join stg_roster as roster
        on roster.code = listings.unit_code
    where listings.kind = 'accountability' and listings.is_counted
)

select * from missing_submission
union all
select * from overdue_major_task
union all
select * from rectification_overdue
union all
select * from pilot_overterm
union all
select * from low_satisfaction
union all
select * from bottom_rank
union all
select * from supervision_loop
union all
select * from below_pass_score
union all
select * from deadline_pushed_back
union all
select * from row_vanished
union all
select * from group_did_not_meet
union all
select * from plan_not_inspected
union all
select * from finding_without_notice
union all
select * from review_plan_missed
union all
select * from named_in_annual_assessment
union all
select * from assigned_task_missing
union all
select * from accountability_event
order by period, alert, scope_code, source_ref
