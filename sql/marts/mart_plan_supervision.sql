-- mart_plan_supervision: supervision of special reform plans (专项改革方案督察).
-- grain: one row per (period, scope_code), for every county and city valid in the period and the province.
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city or province
--   plans_in_scope 应督察方案数 / issued_on ≤ E − 6 months (same day, clamped to the month's end)
--     and not closed_on ≤ E
--   plans_evaluated 已督察评估数 / in scope, evaluated_on in E's calendar year and ≤ E
--   supervision_coverage 督察覆盖率 / plans_evaluated / plans_in_scope
--   closable_not_closed 应销未销数 / items_total > 0, items_done = items_total, and not closed_on ≤ E
with members as (
    -- One row per scope and pooled unit; every scope pools itself, so a scope
    -- with no facts still has its row (test assert_scopes_pool_themselves).
    select * from int_scope_units
),

facts as (
    select * from int_plan_facts
),

counted as (
    select
        members.period,
        members.scope_code,
        members.scope_level,
        count(facts.submission_id) filter (where facts.plans_in_scope) as plans_in_scope,
        count(facts.submission_id) filter (where facts.plans_evaluated) as plans_evaluated,
        count(facts.submission_id) filter (where facts.closable_not_closed) as closable_not_closed
    from members
    left join facts
        on facts.period = members.period
        and facts.region_code = members.unit_code
    group by members.period, members.scope_code, members.scope_level
)

select
    period,
    scope_code,
    scope_level,
    plans_in_scope,
    plans_evaluated,
    plans_evaluated / nullif(plans_in_scope, 0) as supervision_coverage,
    closable_not_closed
from counted
order by period, scope_level, scope_code
