-- mart_pilots: health of reform pilots (改革试点情况).
-- grain: one row per (period, scope_code), for every county, city and provincial department valid
--   in the period, and the province (which pools the regions only).
-- status and term_months are not used: activity and age come from the dates.
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city, province or department
--   pilots_active 在试试点数 / pilots with no ended_on, or ended_on after E
--   overterm 超期试点数 / active and started_on + 24 months < E, strictly (原则上不超过2年)
--   overterm_rate 超期率 / overterm / pilots_active
--   fully_set_up 组织健全试点数 / active, with lead_leader, has_plan and has_team
--   setup_rate 组织健全率 / fully_set_up / pilots_active
--   filed_rate 备案率 / active pilots with filed_on / pilots_active
with members as (
    -- One row per scope and pooled unit; every scope pools itself, so a scope
    -- with no facts still has its row (test assert_scopes_pool_themselves).
    select * from int_scope_units
),

facts as (
    select * from int_pilot_facts
),

counted as (
    select
        members.period,
        members.scope_code,
        members.scope_level,
        count(facts.submission_id) filter (where facts.pilots_active) as pilots_active,
        count(facts.submission_id) filter (where facts.overterm) as overterm,
        count(facts.submission_id) filter (where facts.fully_set_up) as fully_set_up,
        count(facts.submission_id) filter (where facts.filed) as filed
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
    pilots_active,
    overterm,
    overterm / nullif(pilots_active, 0) as overterm_rate,
    fully_set_up,
    fully_set_up / nullif(pilots_active, 0) as setup_rate,
    filed / nullif(pilots_active, 0) as filed_rate
from counted
order by period, scope_level, scope_code
