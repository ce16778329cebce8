-- int_expected_submissions: each unit expected to submit each ledger kind, and whether and when
--   it did.
-- grain: one row per (period, unit_code, kind) for units valid in the period whose level
--   [expect] lists for the kind.
-- columns:
--   period 周期 / the reporting period
--   unit_code 单位代码 / the expected unit
--   unit_level 单位层级 / city or county (or province, when configured)
--   kind 台账类型 / a kind [expect] lists: tasks, rectifications, pilots, plans, satisfaction, meetings,
--     publicity or cases
--   first_submission_id 首次报送编号 / the first accepted submission (null when none)
--   first_received_at 首次接收时间 / when it was received
--   first_received_on 首次接收日期 / its calendar date in UTC+8
--   due_on 报送截止日 / E + grace_days
--   is_submitted 是否已报 / at least one accepted submission, current or not
--   is_on_time 是否按时 / the first accepted submission was received on or before due_on
with units as (
    -- A unit is a member of its own county or city scope exactly when it is valid in the period.
    select period, unit_code, unit_level
    from int_scope_units
    where scope_code = unit_code
),

periods as (
    select * from int_periods
),

config as (
    select grace_days from stg_config
),

expectations as (
    select kind, level from stg_config_expect
),

first_accepted as (
    select
        kind,
        region_code,
        period,
        arg_min(submission_id, (received_at, submission_id)) as first_submission_id,
        min(received_at) as first_received_at,
        min(received_on) as first_received_on
    from stg_submissions
    where status = 'accepted'
    group by kind, region_code, period
)

select
    units.period,
    units.unit_code,
    units.unit_level,
    expectations.kind,
    first_accepted.first_submission_id,
    first_accepted.first_received_at,
    first_accepted.first_received_on,
    periods.period_end + config.grace_days as due_on,
    first_accepted.first_submission_id is not null as is_submitted,
    coalesce(first_accepted.first_received_on <= periods.period_end + config.grace_days, false) as is_on_time
from units
cross join config
inner join expectations
    on expectations.level = units.unit_level
inner join periods
    on periods.period = units.period
left join first_accepted
    on first_accepted.kind = expectations.kind
    and first_accepted.region_code = units.unit_code
    and first_accepted.period = units.period
