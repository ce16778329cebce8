-- mart_plan_supervision: special reform plans — review before issue (上会审议), docking central
--   plans (规定动作), supervision (督察评估) and honest closing (销账).
-- grain: one row per (period, scope_code), for every county, city and provincial department valid
--   in the period, and the province (which pools the regions only).
-- E is the period's end; counts are of the current plans ledgers (int_plan_facts), pooled.
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city, province or department
--   plans_in_scope 应督察方案数 / issued_on ≤ E − 6 months (same day, clamped to the month's end)
--     and not closed_on ≤ E
--   plans_evaluated 已督察评估数 / in scope, evaluated_on in E's calendar year and ≤ E
--   supervision_coverage 督察覆盖率 / plans_evaluated / plans_in_scope
--   closable_not_closed 应销未销数 / items_total > 0, items_done = items_total, and not closed_on ≤ E
--   plans_issued 已出台方案数 / issued_on ≤ E
--   issued_after_review 先审议后出台数 / issued with reviewed_on ≤ issued_on
--   issued_without_review 未经审议出台数 / issued with no reviewed_on ≤ E
--   issued_before_review 先出台后审议数 / issued with issued_on < reviewed_on ≤ E
--   review_rate 上会审议率 / issued_after_review / plans_issued
--   docking_plans 对接中央方案数 / docks_central
--   docking_issued 对接方案已出台数 / docks_central and issued
--   docking_issued_after_review 对接方案先审议后出台数 / docks_central and issued_after_review
--   evaluation_overdue 超期未评估数 / in scope and no evaluated_on in (E − 6 months, E]
--   closed_with_open_items 带未完成事项销账数 / closed_on ≤ E with items_done < items_total
--   review_planned 列入年度上会计划数 / plans whose review_planned_on (计划上会时间) is in E's year
--   reviewed_on_schedule 按计划上会数 / planned and reviewed on or before the planned date (≤ E)
--   review_late 推迟上会数 / planned and reviewed by E, but after the planned date
--   review_missed 未按计划上会数 / planned date on or before E and no review by E
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
        count(facts.submission_id) filter (where facts.closable_not_closed) as closable_not_closed,
        count(facts.submission_id) filter (where facts.plans_issued) as plans_issued,
        count(facts.submission_id) filter (where facts.issued_after_review) as issued_after_review,
        count(facts.submission_id) filter (where facts.issued_without_review) as issued_without_review,
        count(facts.submission_id) filter (where facts.issued_before_review) as issued_before_review,
        count(facts.submission_id) filter (where facts.docking_plans) as docking_plans,
        count(facts.submission_id) filter (where facts.docking_issued) as docking_issued,
        count(facts.submission_id) filter (where facts.docking_issued_after_review) as docking_issued_after_review,
        count(facts.submission_id) filter (where facts.evaluation_overdue) as evaluation_overdue,
        count(facts.submission_id) filter (where facts.closed_with_open_items) as closed_with_open_items,
        count(facts.submission_id) filter (where facts.review_planned) as review_planned,
        count(facts.submission_id) filter (where facts.reviewed_on_schedule) as reviewed_on_schedule,
        count(facts.submission_id) filter (where facts.review_late) as review_late,
        count(facts.submission_id) filter (where facts.review_missed) as review_missed
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
    closable_not_closed,
    plans_issued,
    issued_after_review,
    issued_without_review,
    issued_before_review,
    issued_after_review / nullif(plans_issued, 0) as review_rate,
    docking_plans,
    docking_issued,
    docking_issued_after_review,
    evaluation_overdue,
    closed_with_open_items,
    review_planned,
    reviewed_on_schedule,
    review_late,
    review_missed
from counted
order by period, scope_level, scope_code
