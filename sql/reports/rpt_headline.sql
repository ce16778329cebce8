-- rpt_headline: the province's headline figures at the top of the report (全省主要指标).
-- grain: one row per period, for the province scope.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / always 1
--   on_time_rate 按时报送率 / on-time coverage of task ledgers
--   completion_rate 任务完成率 / due tasks done
--   overdue_open 逾期未完成任务 / due tasks not done
--   closure_rate 整改完成率 / due rectification items closed
--   satisfaction_rate 群众满意率 / satisfied and basically satisfied among valid votes
--   alerts 点名通报事项 / rows of mart_alerts in the period
with completion as (
    select * from mart_task_completion
    where scope_level = 'province'
),

coverage as (
    select * from mart_submission_coverage
    where kind = 'tasks'
),

rectification as (
    select * from mart_rectification
),

satisfaction as (
    select * from mart_satisfaction
),

alerts as (
    select
        period,
        count(*) as alerts
    from mart_alerts
    group by period
),

headline as (
    select
        completion.period,
        1 as row_order,
        coverage.on_time_rate,
        completion.completion_rate,
        completion.overdue_open,
        rectification.closure_rate,
        satisfaction.satisfaction_rate,
        coalesce(alerts.alerts, 0) as alerts
    from completion
    inner join coverage
        on coverage.period = completion.period
        and coverage.scope_code = completion.scope_code
    inner join rectification
        on rectification.period = completion.period
        and rectification.scope_code = completion.scope_code
    inner join satisfaction
        on satisfaction.period = completion.period
        and satisfaction.scope_code = completion.scope_code
    left join alerts
        on alerts.period = completion.period
)

select * from headline
