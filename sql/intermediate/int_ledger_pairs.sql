-- int_ledger_pairs: the pairs of ledgers mart_ledger_changes compares.
-- grain: one row per (new_submission_id, kind, comparison).
-- Two comparisons:
--   previous_period: a unit's current ledger of a kind for a period against its current ledger of
--     the same kind for the latest earlier period of the same form (quarter with quarter, month
--     with month, year with year) that it has one for;
--   resubmission: every accepted version against the accepted version it replaced (the one
--     received just before it for the same unit, kind and period; ties as stg_submissions).
-- columns:
--   kind 台账类型 / tasks, rectifications, plans or pilots
--   region_code 填报单位代码 / the unit
--   period 周期 / the newer ledger's period
--   comparison 比较 / previous_period or resubmission
--   old_submission_id 原报送编号 / the older ledger
--   new_submission_id 新报送编号 / the newer ledger
--   old_period 原周期 / the older ledger's period
with versions as (
    select submission_id, kind, region_code, period, received_at, is_current
    from stg_submissions
    where status = 'accepted' and kind in ('tasks', 'rectifications', 'plans', 'pilots')
),

current_versions as (
    select * from versions where is_current
),

previous_period as (
    select
        newer.kind,
        newer.region_code,
        newer.period,
        'previous_period' as comparison,
        older.submission_id as old_submission_id,
        newer.submission_id as new_submission_id,
        older.period as old_period
    from current_versions as newer
    inner join current_versions as older
        on older.kind = newer.kind
        and older.region_code = newer.region_code
        and older.period < newer.period
        and length(older.period) = length(newer.period)
    qualify older.period = max(older.period) over (partition by newer.kind, newer.submission_id)
),

resubmission as (
    select
        kind,
        region_code,
        period,
        'resubmission' as comparison,
        lag(submission_id) over (
            partition by kind, region_code, period order by received_at, submission_id
        ) as old_submission_id,
        submission_id as new_submission_id,
        period as old_period
    from versions
    qualify old_submission_id is not null
),

pairs as (
    select * from previous_period
    union all
    select * from resubmission
)

select * from pairs
