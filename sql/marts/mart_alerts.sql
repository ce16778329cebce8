-- mart_alerts: the findings to be named (点名通报), each with where it came from.
-- grain: one row per finding: (period, scope_code, alert, source_ref) for row findings, (period,
--   scope_code, alert, detail) for unit findings.
-- Findings about a row name the unit whose ledger holds it; only units valid in the period count.
-- columns:
--   period 周期 / the reporting period
--   scope_code 单位代码 / the unit named
--   scope_level 单位层级 / city or county
--   alert 预警类型 / missing_submission, overdue_major_task, rectification_overdue,
--     pilot_overterm, low_satisfaction or bottom_rank
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
order by period, alert, scope_code, source_ref
