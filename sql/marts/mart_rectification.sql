-- mart_rectification: closure of inspection findings (督察整改情况).
-- grain: one row per (period, scope_code), for every county and city valid in the period and the province.
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city or province
--   items_total 整改事项数 / rectification rows of the current submissions
--   items_due 到期事项数 / items with deadline_on ≤ E
--   closed_due 到期已整改 / due and done (已整改/已销号)
--   closure_rate 整改完成率 / closed_due / items_due
--   overdue_open 逾期未整改 / due and not done
with members as (
    -- One row per scope and pooled unit; every scope pools itself, so a scope
    -- with no facts still has its row (test assert_scopes_pool_themselves).
    select * from int_scope_units
),

facts as (
    select * from int_rectification_facts
),

counted as (
    select
        members.period,
        members.scope_code,
        members.scope_level,
        count(facts.submission_id) as items_total,
        count(facts.submission_id) filter (where facts.items_due) as items_due,
        count(facts.submission_id) filter (where facts.closed_due) as closed_due,
        count(facts.submission_id) filter (where facts.overdue_open) as overdue_open
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
    items_total,
    items_due,
    closed_due,
    closed_due / nullif(items_due, 0) as closure_rate,
    overdue_open
from counted
order by period, scope_level, scope_code
