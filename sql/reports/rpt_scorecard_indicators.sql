-- rpt_scorecard_indicators: each scored unit's indicators one by one, with the weight each took
--   and the mart it is read from (what a score is made of, for trace and the portal).
-- grain: one row per (period, scope_code, indicator), for every row of mart_scorecard and each
--   of its ten indicators, NULL values included.
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / city, county or department code
--   scope_level 口径层级 / city, county or department
--   indicator 指标 / submission, completion, on_time, ownership, rectification, pilots,
--     satisfaction, meetings, publicity, cases
--   value 指标值 / the indicator's value in mart_scorecard (NULL: nothing to measure)
--   weight 权重 / its weight for the unit's level (stg_config_weights)
--   weight_used 计入权重 / the weight when the value is present, else 0 (its weight is spread
--     over the present ones)
--   source 来源 / the mart and column the value is read from, as mart_scorecard states it
with card as (
    select * from mart_scorecard
),

long as (
    select period, scope_code, scope_level, 'submission' as indicator, submission as value,
        'mart_submission_coverage.on_time_rate (kind = tasks)' as source
    from card
    union all
    select period, scope_code, scope_level, 'completion' as indicator, completion as value,
        'mart_task_completion.completion_rate' as source
    from card
    union all
    select period, scope_code, scope_level, 'on_time' as indicator, on_time as value,
        'mart_task_completion.on_time_rate' as source
    from card
    union all
    select period, scope_code, scope_level, 'ownership' as indicator, ownership as value,
        'mart_task_ownership.ownership_rate' as source
    from card
    union all
    select period, scope_code, scope_level, 'rectification' as indicator, rectification as value,
        'mart_rectification.closure_rate' as source
    from card
    union all
    select period, scope_code, scope_level, 'pilots' as indicator, pilots as value,
        '1 - mart_pilots.overterm_rate' as source
    from card
    union all
    select period, scope_code, scope_level, 'satisfaction' as indicator, satisfaction as value,
        'mart_satisfaction.score / 100' as source
    from card
    union all
    select period, scope_code, scope_level, 'meetings' as indicator, meetings as value,
        'mart_meeting_compliance: share of special groups with quarter_met' as source
    from card
    union all
    select period, scope_code, scope_level, 'publicity' as indicator, publicity as value,
        'mart_publicity.press_conferences / [compliance] press_conferences_per_year, at most 1' as source
    from card
    union all
    select period, scope_code, scope_level, 'cases' as indicator, cases as value,
        'mart_typical_cases.cases / [compliance] cases_per_year, at most 1' as source
    from card
)

select
    long.period,
    long.scope_code,
    long.scope_level,
    long.indicator,
    long.value,
    weights.weight,
    case when long.value is null then 0 else weights.weight end as weight_used,
    long.source
from long
left join stg_config_weights as weights
    on weights.indicator = long.indicator
    and weights.scope_level = long.scope_level
