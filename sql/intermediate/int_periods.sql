-- int_periods: the reporting periods (报送周期) the marts report on: those of any accepted submission.
-- grain: one row per period.
-- columns:
--   period 周期 / 2024Q2, 2024-06 or 2024
--   period_start 起始日 / the period's first day
--   period_end 截止日 / E, the period's last day
with accepted as (
    select distinct period
    from stg_submissions
    where status = 'accepted' and period is not null
),

bounds as (
    select
        period,
        case
            when regexp_full_match(period, '[0-9]{4}Q[1-4]')
                then make_date(cast(left(period, 4) as integer), cast(right(period, 1) as integer) * 3 - 2, 1)
            when regexp_full_match(period, '[0-9]{4}-[0-9]{2}')
                then make_date(cast(left(period, 4) as integer), cast(right(period, 2) as integer), 1)
            else make_date(cast(left(period, 4) as integer), 1, 1)
        end as period_start,
        case
            when regexp_full_match(period, '[0-9]{4}Q[1-4]')
                then last_day(make_date(cast(left(period, 4) as integer), cast(right(period, 1) as integer) * 3, 1))
            when regexp_full_match(period, '[0-9]{4}-[0-9]{2}')
                then last_day(make_date(cast(left(period, 4) as integer), cast(right(period, 2) as integer), 1))
            else make_date(cast(left(period, 4) as integer), 12, 31)
        end as period_end
    from accepted
)

select * from bounds
