-- rpt_alerts: the findings to be named, as the report lists them (点名通报事项).
-- grain: one row per row of mart_alerts.
-- columns:
--   period 周期 / the reporting period
--   alert 类型代码 / the finding's code, as in mart_alerts
--   row_order 排序 / by finding, then unit code, then source
--   alert_zh 类型 / the finding, in Chinese
--   unit_name 单位 / the scope's name
--   scope_code 代码 / the scope's code
--   level_zh 层级 / 省, 市（州） or 县（市、区）
--   detail 说明 / what was found
--   source_ref 来源 / file!sheet!cell of the row it comes from
with alerts as (
    select * from mart_alerts
),

scopes as (
    select * from int_report_scopes
),

named as (
    select
        alerts.period,
        alerts.alert,
        row_number() over (
            partition by alerts.period
            order by alerts.alert, alerts.scope_code, alerts.source_ref
        ) as row_order,
        case alerts.alert
            when 'missing_submission' then '未报送'
            when 'overdue_major_task' then '重大任务逾期'
            when 'rectification_overdue' then '整改逾期'
            when 'pilot_overterm' then '试点超期'
            when 'low_satisfaction' then '满意度偏低'
            when 'bottom_rank' then '综合排名末位'
            when 'issued_before_review' then '方案未经审议出台'
            when 'plan_closable_not_closed' then '方案应销未销'
            when 'plan_closed_with_open_items' then '方案带未完成事项销账'
            when 'rectification_closed_late' then '整改超期销号'
            when 'closed_without_date' then '销号无日期'
            when 'closed_without_recheck' then '未复查销号'
            when 'overdue_not_rechecked' then '逾期未复查'
            when 'below_pass_score' then '综合得分不达标'
            when 'deadline_pushed_back' then '无说明延期'
            when 'row_vanished' then '事项消失'
            when 'group_did_not_meet' then '领导小组未按季开会'
            when 'plan_not_inspected' then '方案未开展督察'
            when 'finding_without_notice' then '督察发现问题未下发督办通知'
            when 'milestone_missed' then '整改未按节点推进'
            when 'review_plan_missed' then '未按计划上会审议'
            when 'assigned_task_missing' then '分解任务未列入台账'
            when 'named_in_annual_assessment' then '年度考核点名通报'
            when 'accountability_event' then '问责事项'
            else alerts.alert
        end as alert_zh,
        scopes.unit_name,
        alerts.scope_code,
        scopes.level_zh,
        alerts.detail,
        alerts.source_ref
    from alerts
    inner join scopes
        on scopes.period = alerts.period
        and scopes.scope_code = alerts.scope_code
)

select * from named
