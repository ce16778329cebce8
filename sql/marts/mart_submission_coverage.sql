-- mart_submission_coverage: who submitted each ledger kind, and on time (报送情况).
-- grain: one row per (period, scope_code, kind), for the five kinds of the first wave and any kind
--   [expect] lists, every county, city and provincial department valid in the period, and the
--   province (which pools the regions only).
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city, province or department
--   kind 台账类型 / tasks, rectifications, pilots, plans, satisfaction; meetings, publicity, cases
--     when expected
--   expected_units 应报单位数 / units in scope, valid in the period, whose level [expect] lists for the kind
--   submitted_units 已报单位数 / expected units with at least one accepted submission of the kind (current or not)
--   on_time_units 按时报送单位数 / expected units whose first accepted submission was received on or
--     before E + grace_days (calendar date in UTC+8)
--   coverage_rate 报送率 / submitted_units / expected_units (null when nothing is expected)
--   on_time_rate 按时报送率 / on_time_units / expected_units (null when nothing is expected)
with members as (
    -- One row per scope and pooled unit; every scope pools itself, so a scope
    -- with nothing expected still has its rows (test assert_scopes_pool_themselves).
    select * from int_scope_units
),

expected as (
    select * from int_expected_submissions
),

kinds as (
    -- The five kinds of the first wave always; meetings, publicity and cases when [expect] lists
    -- them (a coverage of 0 of 0 for a ledger nobody is asked for says nothing).
    select kind
    from (values ('tasks'), ('rectifications'), ('pilots'), ('plans'), ('satisfaction')) as k (kind)
    union
    select kind from stg_config_expect
),

counted as (
    select
        members.period,
        members.scope_code,
        members.scope_level,
        kinds.kind,
        count(expected.unit_code) as expected_units,
        count(expected.unit_code) filter (where expected.is_submitted) as submitted_units,
        count(expected.unit_code) filter (where expected.is_on_time) as on_time_units
    from members
    cross join kinds
    left join expected
        on expected.period = members.period
        and expected.unit_code = members.unit_code
        and expected.kind = kinds.kind
    group by members.period, members.scope_code, members.scope_level, kinds.kind
)

select
    period,
    scope_code,
    scope_level,
    kind,
    expected_units,
    submitted_units,
    on_time_units,
    submitted_units / nullif(expected_units, 0) as coverage_rate,
    on_time_units / nullif(expected_units, 0) as on_time_rate
from counted
order by period, scope_level, scope_code, kind
