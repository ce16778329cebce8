-- mart_satisfaction: public satisfaction (群众满意度), pooled votes with a Wilson interval.
-- grain: one row per (period, scope_code), for every county, city and provincial department valid
--   in the period, and the province (which pools the regions only).
-- Votes are summed over the pooled units' survey items, never rates averaged.
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city, province or department
--   valid 有效票 / satisfied + basically_satisfied + unsatisfied (不了解 excluded)
--   satisfied 满意票 / satisfied votes
--   basically_satisfied 基本满意票 / basically satisfied votes
--   unsatisfied 不满意票 / unsatisfied votes
--   satisfaction_rate 满意率 / (satisfied + basically_satisfied) / valid; with [satisfaction]
--     rate = "strict", satisfied / valid
--   score 满意度得分 / 100 × (w_s·satisfied + w_b·basically_satisfied + w_u·unsatisfied) / valid,
--     weights from [satisfaction.weights] (default 1, 0.6, 0)
--   ci_low 置信下限 / lower end of the Wilson interval of satisfaction_rate, z = 1.96
--   ci_high 置信上限 / upper end of that interval
--   low_sample 样本不足 / valid < [satisfaction] low_sample (default 30); true when valid = 0
with members as (
    -- One row per scope and pooled unit; every scope pools itself, so a scope
    -- with no facts still has its row (test assert_scopes_pool_themselves).
    select * from int_scope_units
),

facts as (
    select * from int_satisfaction_facts
),

config as (
    select * from stg_config
),

counted as (
    select
        members.period,
        members.scope_code,
        members.scope_level,
        cast(coalesce(sum(facts.valid), 0) as bigint) as valid,
        cast(coalesce(sum(facts.satisfied), 0) as bigint) as satisfied,
        cast(coalesce(sum(facts.basically_satisfied), 0) as bigint) as basically_satisfied,
        cast(coalesce(sum(facts.unsatisfied), 0) as bigint) as unsatisfied
    from members
    left join facts
        on facts.period = members.period
        and facts.region_code = members.unit_code
    group by members.period, members.scope_code, members.scope_level
),

rated as (
    select
        counted.*,
        case
            when config.satisfaction_rate = 'strict' then satisfied / nullif(valid, 0)
            else (satisfied + basically_satisfied) / nullif(valid, 0)
        end as satisfaction_rate,
        100 * (
            config.w_satisfied * satisfied
            + config.w_basically_satisfied * basically_satisfied
            + config.w_unsatisfied * unsatisfied
        ) / nullif(valid, 0) as score,
        valid = 0 or valid < config.low_sample as low_sample
    from counted
    cross join config
),

-- Wilson score interval: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), z = 1.96.
wilson as (
    select
        *,
        (satisfaction_rate + 1.96 ^ 2 / (2 * nullif(valid, 0))) / (1 + 1.96 ^ 2 / nullif(valid, 0)) as ci_centre,
        1.96 * sqrt(
            satisfaction_rate * (1 - satisfaction_rate) / nullif(valid, 0)
            + 1.96 ^ 2 / (4 * nullif(valid, 0) ^ 2)
        ) / (1 + 1.96 ^ 2 / nullif(valid, 0)) as ci_half
    from rated
)

select
    period,
    scope_code,
    scope_level,
    valid,
    satisfied,
    basically_satisfied,
    unsatisfied,
    satisfaction_rate,
    score,
    -- Clamped against rounding just outside [0, 1] at p = 0 or 1 (greatest and least would
    -- skip a NULL, so the empty survey is kept NULL explicitly).
    case when valid > 0 then greatest(ci_centre - ci_half, 0) end as ci_low,
    case when valid > 0 then least(ci_centre + ci_half, 1) end as ci_high,
    low_sample
from wilson
order by period, scope_level, scope_code
