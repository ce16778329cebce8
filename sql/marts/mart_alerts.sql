-- mart_alerts: the findings to be named (点名通报), each with where it came from.
-- grain: one row per finding: (period, scope_code, alert, source_ref) for row findings, (period,
--   scope_code, alert, detail) for unit findings.
-- Findings about a row name the unit whose ledger holds it; only units valid in the period count.
-- columns:
--   period 周期 / the reporting period
--   scope_code 单位代码 / the unit named
--   scope_level 单位层级 / city or county
--   alert 预警类型 / missing_submission, overdue_major_task, rectification_overdue,
--     pilot_overterm, low_satisfaction, bottom_rank; the supervision loop's issued_before_review
--     (a plan issued without or before its review), plan_closable_not_closed,
--     plan_closed_with_open_items, rectification_closed_late, closed_without_date,
--     closed_without_recheck, overdue_not_rechecked (int_plan_facts, int_rectification_facts);
--     below_pass_score (composite score under [assessment] pass_score); from
--     mart_ledger_changes, deadline_pushed_back (a deadline later than last period's, with no
--     remarks) and row_vanished (an unfinished task or rectification item gone from this
--     period's ledger); their source_ref is the newer cell, or the older one for row_vanished
--   detail 说明 / what was found, in Chinese
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the ledger row, null for unit findings
with units as (
    select * from int_scopes
    where scope_level in ('city', 'county')
),

kind_names as (
    select *
    from (
        values
            ('tasks', '改革任务台账'),
            ('rectifications', '督察整改台账'),
            ('pilots', '改革试点台账'),
            ('plans', '专项改革方案台账'),
            ('satisfaction', '群众满意度测评')
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
        null as source_ref
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
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref
    from int_task_facts as facts
    inner join stg_tasks as tasks
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.major_due and not facts.major_due_done
),

rectification_overdue as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'rectification_overdue' as alert,
        '整改事项逾期未完成：' || items.problem
        || '（整改时限：' || coalesce(items.deadline_text, '未填') || '；状态：' || coalesce(items.status_text, '未填') || '）' as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref
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
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref
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
        null as source_ref
    from mart_satisfaction as satisfaction
    inner join units
        on units.period = satisfaction.period
        and units.scope_code = satisfaction.scope_code
    where satisfaction.satisfaction_rate <= 0.5 and not satisfaction.low_sample
),

issued_before_review as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'issued_before_review' as alert,
        case
            when facts.issued_without_review then '专项改革方案未经上会审议即出台：' || plans.plan
                || '（出台时间：' || strftime(plans.issued_on, '%Y-%m-%d') || '）'
            else '专项改革方案先出台后审议：' || plans.plan
                || '（出台：' || strftime(plans.issued_on, '%Y-%m-%d')
                || '；审议：' || strftime(plans.reviewed_on, '%Y-%m-%d') || '）'
        end as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref
    from int_plan_facts as facts
    inner join stg_plans as plans
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.issued_without_review or facts.issued_before_review
),

plan_closable_not_closed as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'plan_closable_not_closed' as alert,
        '专项改革方案事项已全部完成但未销账：' || plans.plan
        || '（事项 ' || plans.items_done || '/' || plans.items_total || '）' as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref
    from int_plan_facts as facts
    inner join stg_plans as plans
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.closable_not_closed
),

plan_closed_with_open_items as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'plan_closed_with_open_items' as alert,
        '专项改革方案带未完成事项销账：' || plans.plan
        || '（事项 ' || coalesce(plans.items_done, 0) || '/' || plans.items_total
        || '；销账：' || strftime(plans.closed_on, '%Y-%m-%d') || '）' as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref
    from int_plan_facts as facts
    inner join stg_plans as plans
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.closed_with_open_items
),

rectification_closed_late as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'rectification_closed_late' as alert,
        '整改事项超期销号：' || items.problem
        || '（整改时限：' || strftime(items.deadline_on, '%Y-%m-%d')
        || '；销号：' || strftime(items.closed_on, '%Y-%m-%d') || '）' as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref
    from int_rectification_facts as facts
    inner join stg_rectifications as items
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.closed_late
),

closed_without_date as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'closed_without_date' as alert,
        '整改事项标为' || coalesce(items.status_text, '已整改') || '但无销号日期，无法核实：' || items.problem as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref
    from int_rectification_facts as facts
    inner join stg_rectifications as items
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.closed_without_date
),

closed_without_recheck as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'closed_without_recheck' as alert,
        '整改事项未经复查即销号：' || items.problem as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref
    from int_rectification_facts as facts
    inner join stg_rectifications as items
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    where facts.closed_without_recheck
),

overdue_not_rechecked as (
    select
        facts.period,
        units.scope_code,
        units.scope_level,
        'overdue_not_rechecked' as alert,
        '逾期未整改事项近' || config.recheck_days || '天未复查：' || items.problem
        || '（最近复查：' || coalesce(strftime(items.reviewed_on, '%Y-%m-%d'), '无') || '）' as detail,
        files.file_name || '!' || facts.source_sheet || '!' || facts.source_cell as source_ref
    from int_rectification_facts as facts
    inner join stg_rectifications as items
        using (submission_id, source_sheet, source_row)
    inner join units
        on units.period = facts.period
        and units.scope_code = facts.region_code
    inner join files
        on files.submission_id = facts.submission_id
    cross join stg_config as config
    where facts.overdue_not_rechecked
),

below_pass_score as (
    select
        scorecard.period,
        scorecard.scope_code,
        scorecard.scope_level,
        'below_pass_score' as alert,
        units.scope_name || '综合得分 ' || format('{:.2f}', scorecard.composite_score)
        || '，低于达标分数线 ' || format('{:.2f}', config.pass_score) || '（不达标）' as detail,
        null as source_ref
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
        changes.new_ref as source_ref
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
        changes.old_ref as source_ref
    from mart_ledger_changes as changes
    inner join units
        on units.period = changes.period
        and units.scope_code = changes.scope_code
    where changes.change = 'row_removed'
        and changes.comparison = 'previous_period'
        and changes.kind in ('tasks', 'rectifications')
),

bottom_rank as (
    select
        scorecard.period,
        scorecard.scope_code,
        scorecard.scope_level,
        'bottom_rank' as alert,
        units.scope_name || '综合得分 ' || format('{:.2f}', scorecard.composite_score)
        || '，居市（州）末位（第' || scorecard.rank || '名）' as detail,
        null as source_ref
    from mart_scorecard as scorecard
    inner join units
        on units.period = scorecard.period
        and units.scope_code = scorecard.scope_code
    where scorecard.scope_level = 'city'
    qualify scorecard.rank = max(scorecard.rank) over (partition by scorecard.period)
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
select * from issued_before_review
union all
select * from plan_closable_not_closed
union all
select * from plan_closed_with_open_items
union all
select * from rectification_closed_late
union all
select * from closed_without_date
union all
select * from closed_without_recheck
union all
select * from overdue_not_rechecked
union all
select * from below_pass_score
union all
select * from deadline_pushed_back
union all
select * from row_vanished
order by period, alert, scope_code, source_ref
