-- int_inspection_years: the years taizhang judges inspections (督察) for: those in which any unit
--   sent an accepted inspections ledger (a year it collected none for, it does not judge: every
--   plan would be named as not inspected).
-- grain: one row per year.
-- columns:
--   year 年度 / the calendar year of an inspections ledger's period
--   due_by 应督察出台截止日 / 30 June of the year: a plan issued by then is due for the year's inspection
--   year_end 年末 / 31 December of the year
with accepted as (
    select distinct cast(left(period, 4) as integer) as year
    from stg_submissions
    where kind = 'inspections' and status = 'accepted' and period is not null
)

select
    year,
    make_date(year, 6, 30) as due_by,
    make_date(year, 12, 31) as year_end
from accepted
