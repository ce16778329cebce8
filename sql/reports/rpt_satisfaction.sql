-- rpt_satisfaction: the report's satisfaction table, with the Wilson 95% interval (群众满意度).
-- grain: one row per (period, scope_code), as mart_satisfaction.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / province first, then cities, then counties, each by code
--   unit_name 单位 / the scope's name
--   scope_code 代码 / the scope's code
--   level_zh 层级 / 省, 市（州） or 县（市、区）
--   valid 有效票 / satisfied + basically satisfied + unsatisfied
--   satisfied 满意 / satisfied votes
--   basically_satisfied 基本满意 / basically satisfied votes
--   unsatisfied 不满意 / unsatisfied votes
--   satisfaction_rate 满意率 / (satisfied + basically satisfied) / valid
--   score 满意度得分 / weighted score, 0–100
--   ci_low 置信下限 / Wilson interval, lower end
--   ci_high 置信上限 / Wilson interval, upper end
--   low_sample 样本不足 / valid below the configured minimum
with figures as (
    select * from mart_satisfaction
),

scopes as (
    select * from int_report_scopes
),

named as (
    select
        figures.period,
        scopes.scope_order as row_order,
        scopes.unit_name,
        figures.scope_code,
        scopes.level_zh,
        figures.valid,
        figures.satisfied,
        figures.basically_satisfied,
        figures.unsatisfied,
        figures.satisfaction_rate,
        figures.score,
        figures.ci_low,
        figures.ci_high,
        figures.low_sample
    from figures
    inner join scopes
        on scopes.period = figures.period
        and scopes.scope_code = figures.scope_code
)

select * from named
