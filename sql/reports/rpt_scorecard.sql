-- rpt_scorecard: the report's 总表, composite score and indicators of every city and county (综合考评).
-- grain: one row per (period, scope_code), cities and counties, as mart_scorecard.
-- columns:
--   period 周期 / the reporting period
--   scope_level 口径层级 / city, county or department
--   row_order 排序 / rank, then code
--   unit_name 单位 / the unit's name
--   scope_code 代码 / the unit's code
--   parent_name 所属 / the unit's parent (a county's city)
--   rank 排名 / rank among units of its level
--   composite_score 综合得分 / composite score, 0–100
--   submission 按时报送率 / on-time submission of task ledgers
--   completion 任务完成率 / due tasks done
--   on_time 按期完成率 / due tasks done on time
--   ownership 责任落实率 / tasks fully owned
--   rectification 整改完成率 / due rectification items closed
--   pilots 试点按期率 / 1 − share of pilots over two years
--   satisfaction 群众满意度 / satisfaction score / 100
with scorecard as (
    select * from mart_scorecard
),

scopes as (
    select * from int_report_scopes
),

named as (
    select
        scorecard.period,
        scorecard.scope_level,
        row_number() over (
            partition by scorecard.period, scorecard.scope_level
            order by scorecard.rank nulls last, scorecard.scope_code
        ) as row_order,
        scopes.unit_name,
        scorecard.scope_code,
        scopes.parent_name,
        scorecard.rank,
        scorecard.composite_score,
        scorecard.submission,
        scorecard.completion,
        scorecard.on_time,
        scorecard.ownership,
        scorecard.rectification,
        scorecard.pilots,
        scorecard.satisfaction
    from scorecard
    inner join scopes
        on scopes.period = scorecard.period
        and scopes.scope_code = scorecard.scope_code
)

select * from named
