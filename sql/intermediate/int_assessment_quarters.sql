-- int_assessment_quarters: the quarters each annual assessment (年度绩效考核) averages over: of
--   every year with a quarterly period, its quarters up to the last one any unit reported for
--   and whose ledgers were due (E + grace_days) before the figures' date (stg_clock) — a year in
--   progress is assessed so far; a quarter no unit reported for still counts, as 0; a quarter not
--   yet due does not count, however early a unit sent its ledger, so nobody is charged for it.
-- grain: one row per (year, period).
-- columns:
--   year 年度 / the calendar year assessed
--   period 周期 / the quarter (2024Q2)
--   quarter 季度 / 1 to 4
--   period_start 起始日 / the quarter's first day
--   period_end 截止日 / the quarter's last day
--   is_cut_off 截止季度 / the year's last assessed quarter: the one its year-end figures are read at
with quarterly as (
    select
        cast(left(periods.period, 4) as integer) as year,
        cast(right(periods.period, 1) as integer) as quarter
    from int_periods as periods
    cross join stg_config as config
    cross join stg_clock as clock
    where regexp_full_match(periods.period, '[0-9]{4}Q[1-4]')
        and periods.period_end + config.grace_days < clock.as_of_on
),

years as (
    select year, max(quarter) as last_quarter
    from quarterly
    group by year
),

quarters as (
    select years.year, q.quarter, years.last_quarter
    from years
    cross join (values (1), (2), (3), (4)) as q (quarter)
    where q.quarter <= years.last_quarter
)

select
    year,
    cast(year as varchar) || 'Q' || cast(quarter as varchar) as period,
    quarter,
    make_date(year, 3 * quarter - 2, 1) as period_start,
    last_day(make_date(year, 3 * quarter, 1)) as period_end,
    quarter = last_quarter as is_cut_off
from quarters
