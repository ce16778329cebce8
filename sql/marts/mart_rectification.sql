-- mart_rectification: closure of inspection findings (督察整改情况).
-- grain: one row per (period, scope_code), for every county, city and provincial department valid
--   in the period, and the province (which pools the regions only).
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city, province or department
--   items_total 整改事项数 / rectification rows of the current submissions
--   items_due 到期事项数 / items with deadline_on ≤ E
--   closed_due 到期已整改 / due and done (已整改/已销号)
--   closure_rate 整改完成率 / closed_due / items_due
--   overdue_open 逾期未整改 / due and not done
--   items_closed 已整改事项数 / status done, due or not
--   closed_on_time 按期销号数 / done with closed_on ≤ deadline_on
--   closed_late 超期销号数 / done with closed_on > deadline_on
--   closed_without_date 销号无日期数 / done with no closed_on (not verifiable: 据实销账 needs a date)
--   closed_without_recheck 未复查销号数 / done with no reviewed_on (复查) at all
--   overdue_not_rechecked 逾期未复查数 / overdue_open with no reviewed_on in the last
--     [assessment] recheck_days days up to E (default 90)
--   milestones_missed 进度节点未跟进数 / items not done with a milestone (进度节点) on or before E and
--     no report (last_report_on) on or after it: each item once, however many it missed
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
        count(facts.submission_id) filter (where facts.overdue_open) as overdue_open,
        count(facts.submission_id) filter (where facts.items_closed) as items_closed,
        count(facts.submission_id) filter (where facts.closed_on_time) as closed_on_time,
        count(facts.submission_id) filter (where facts.closed_late) as closed_late,
        count(facts.submission_id) filter (where facts.closed_without_date) as closed_without_date,
        count(facts.submission_id) filter (where facts.closed_without_recheck) as closed_without_recheck,
        count(facts.submission_id) filter (where facts.overdue_not_rechecked) as overdue_not_rechecked,
        count(facts.submission_id) filter (where facts.milestones_missed) as milestones_missed
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
    overdue_open,
    items_closed,
    closed_on_time,
    closed_late,
    closed_without_date,
    closed_without_recheck,
    overdue_not_rechecked,
    milestones_missed
from counted
order by period, scope_level, scope_code
