-- mart_scorecard: the weighted assessment score and rank (综合考评得分与排名).
-- grain: one row per (period, scope_code), for every county, city and provincial department valid
--   in the period (the province is not scored); departments are ranked among themselves.
-- An indicator that is NULL (nothing to measure) drops out, and its weight is spread over the
-- present ones by dividing by the present weights only. The three compliance indicators
-- (meetings, publicity, cases) weigh 0 by default: give them a weight in [scorecard.weights] to let
-- them count.
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / city, county or department code
--   scope_level 口径层级 / city, county or department
--   submission 按时报送 / mart_submission_coverage.on_time_rate for kind tasks
--   completion 任务完成 / mart_task_completion.completion_rate
--   on_time 按期完成 / mart_task_completion.on_time_rate
--   ownership 责任落实 / mart_task_ownership.ownership_rate
--   rectification 整改完成 / mart_rectification.closure_rate
--   pilots 试点按期 / 1 − mart_pilots.overterm_rate
--   satisfaction 群众满意 / mart_satisfaction.score / 100
--   meetings 会议制度 / share of the unit's own 专项小组 that met the quarter's minimum
--     (mart_meeting_compliance; the unit's own bodies, not its counties'); NULL without groups
--   publicity 改革宣传 / press conferences in the period's year ÷ [compliance]
--     press_conferences_per_year, at most 1 (mart_publicity; 1 when the minimum is 0)
--   cases 典型案例 / cases in the period's year ÷ [compliance] cases_per_year, at most 1
--     (mart_typical_cases; 1 when the minimum is 0)
--   weight_used 有效权重 / Σ wᵢ over the indicators that are not NULL ([scorecard.weights]; a
--     department's from [scorecard.department_weights] when set)
--   composite_score 综合得分 / 100 × Σ wᵢxᵢ / Σ wᵢ over the indicators that are not NULL (NULL when all are)
--   rank 排名 / rank() within (period, scope_level) by composite_score descending; ties share a
--     rank and the next is skipped (1, 1, 3); NULL when the score is NULL
with scopes as (
    select int_scopes.*, int_periods.period_end
    from int_scopes
    inner join int_periods
        using (period)
    where int_scopes.scope_level in ('city', 'county', 'department')
),

indicators as (
    select
        scopes.period,
        scopes.scope_code,
        scopes.scope_level,
        coverage.on_time_rate as submission,
        completion.completion_rate as completion,
        completion.on_time_rate as on_time,
        ownership.ownership_rate as ownership,
        rectification.closure_rate as rectification,
        1 - pilots.overterm_rate as pilots,
        satisfaction.score / 100 as satisfaction,
        meetings.met_share as meetings,
        -- least() skips NULLs: a unit with no row must stay NULL, not score 1.
        case
            when publicity.press_conferences is null then null
            when config.press_conferences_per_year = 0 then 1.0
            else least(publicity.press_conferences / config.press_conferences_per_year, 1.0)
        end as publicity,
        case
            when cases.cases is null then null
            when config.cases_per_year = 0 then 1.0
            else least(cases.cases / config.cases_per_year, 1.0)
        end as cases
    from scopes
    cross join stg_config as config
    left join mart_submission_coverage as coverage
        on coverage.period = scopes.period
        and coverage.scope_code = scopes.scope_code
        and coverage.kind = 'tasks'
    left join mart_task_completion as completion
        on completion.period = scopes.period
        and completion.scope_code = scopes.scope_code
    left join mart_task_ownership as ownership
        on ownership.period = scopes.period
        and ownership.scope_code = scopes.scope_code
    left join mart_rectification as rectification
        on rectification.period = scopes.period
        and rectification.scope_code = scopes.scope_code
    left join mart_pilots as pilots
        on pilots.period = scopes.period
        and pilots.scope_code = scopes.scope_code
    left join mart_satisfaction as satisfaction
        on satisfaction.period = scopes.period
        and satisfaction.scope_code = scopes.scope_code
    left join (
        select period, scope_code, avg(cast(quarter_met as integer)) as met_share
        from mart_meeting_compliance
        where is_special_group
        group by period, scope_code
    ) as meetings
        on meetings.period = scopes.period
        and meetings.scope_code = scopes.scope_code
    left join mart_publicity as publicity
        on publicity.year = year(scopes.period_end)
        and publicity.scope_code = scopes.scope_code
    left join mart_typical_cases as cases
        on cases.year = year(scopes.period_end)
        and cases.scope_code = scopes.scope_code
),

long as (
    unpivot indicators
    on submission, completion, on_time, ownership, rectification, pilots, satisfaction, meetings,
        publicity, cases
    into name indicator value x
),

weighted as (
    select
        long.period,
        long.scope_code,
        -- Summed in the indicators' order, so the last digit of a score does not hang on the
        -- join's plan (floating-point addition is not associative).
        sum(weights.weight order by long.indicator) as weight_used,
        sum(weights.weight * long.x order by long.indicator) as weighted_sum
    from long
    inner join stg_config_weights as weights
        on weights.indicator = long.indicator
        and weights.scope_level = long.scope_level
    -- UNPIVOT drops NULL values, so only present indicators are summed.
    where long.x is not null
    group by long.period, long.scope_code
),

scored as (
    select
        indicators.*,
        coalesce(weighted.weight_used, 0) as weight_used,
        100 * weighted.weighted_sum / nullif(weighted.weight_used, 0) as composite_score
    from indicators
    left join weighted
        on weighted.period = indicators.period
        and weighted.scope_code = indicators.scope_code
)

select
    *,
    case
        when composite_score is not null
            then rank() over (
                partition by period, scope_level, composite_score is null
                order by composite_score desc
            )
    end as rank
from scored
order by period, scope_level, rank nulls last, scope_code
