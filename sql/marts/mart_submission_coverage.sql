-- mart_submission_coverage: who submitted each ledger kind, and on time (报送情况).
-- grain: one row per (period, scope_code, kind), for the five kinds, every county and city valid
--   in the period, and the province.
-- columns:
--   expected_units 应报单位数 / units in scope, valid in the period, whose level [expect] lists for the kind
--   submitted_units 已报单位数 / expected units with at least one accepted submission of the kind (current or not)
--   on_time_units 按时报送单位数 / expected units whose first accepted submission was received on or
--     before E + grace_days (calendar date in UTC+8)
--   coverage_rate 报送率 / submitted_units / expected_units (null when nothing is expected)
--   on_time_rate 按时报送率 / on_time_units / expected_units (null when nothing is expected)
with scope_units as (
    select * from int_scope_units
),

periods as (
    select * from int_periods
),

submissions as (
    select * from stg_submissions
),

config as (
    select grace_days from raw_config
),

expectations as (
    select kind, level from raw_config_expect
),

kinds as (
    select kind
    from (values ('tasks'), ('rectifications'), ('pilots'), ('plans'), ('satisfaction')) as k (kind)
),

scopes as (
    select distinct period, scope_code, scope_level
    from scope_units
),

first_accepted as (
    select
        kind,
        region_code,
        period,
        min(received_on) as first_received_on
    from submissions
    where status = 'accepted'
    group by kind, region_code, period
),

expected_units as (
    select
        scope_units.period,
        scope_units.scope_code,
        kinds.kind,
        scope_units.unit_code,
        first_accepted.first_received_on is not null as is_submitted,
        coalesce(first_accepted.first_received_on <= periods.period_end + config.grace_days, false) as is_on_time
    from scope_units
    cross join kinds
    cross join config
    inner join expectations
        on expectations.kind = kinds.kind
        and expectations.level = scope_units.unit_level
    inner join periods
        on periods.period = scope_units.period
    left join first_accepted
        on first_accepted.kind = kinds.kind
        and first_accepted.region_code = scope_units.unit_code
        and first_accepted.period = scope_units.period
),

counted as (
    select
        scopes.period,
        scopes.scope_code,
        scopes.scope_level,
        kinds.kind,
        count(expected_units.unit_code) as expected_units,
        count(expected_units.unit_code) filter (where expected_units.is_submitted) as submitted_units,
        count(expected_units.unit_code) filter (where expected_units.is_on_time) as on_time_units
    from scopes
    cross join kinds
    left join expected_units
        on expected_units.period = scopes.period
        and expected_units.scope_code = scopes.scope_code
        and expected_units.kind = kinds.kind
    group by scopes.period, scopes.scope_code, scopes.scope_level, kinds.kind
),

final as (
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
)

select * from final
order by period, scope_level, scope_code, kind
