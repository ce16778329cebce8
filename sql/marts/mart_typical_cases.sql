-- mart_typical_cases: the typical reform cases (改革典型案例) each unit put forward in a year, by the
--   level that recognised them, and how many grew from its pilots.
-- grain: one row per (year, scope_code): every unit of int_year_units (valid in a period of the
--   year, of a level [expect] asks for any ledger: cities and counties by default), for each year
--   in which any unit sent a cases ledger.
-- Cases are taken from all of a unit's current cases ledgers, whatever their period, and counted
-- once per case name as written (whitespace removed): a case listed in two ledgers is one case,
-- named by the ledger received first. A case's year is that of recognised_on, else of its
-- ledger's period. A case is from a pilot when its source is 试点 or it names the pilot it came
-- from.
-- columns:
--   year 年度 / the calendar year
--   scope_code 单位代码 / the unit
--   scope_level 单位层级 / county, city, province or department
--   cases 典型案例数 / cases in the year
--   national 国家级 / cases recognised nationally
--   provincial 省级 / cases recognised by the province
--   city 市级 / cases recognised by a city (市、州)
--   county 县级 / cases recognised by a county
--   from_pilots 源自试点数 / cases from a pilot
--   from_pilots_share 源自试点占比 / from_pilots / cases (null when there are none)
--   pilots_with_case 产出案例的试点数 / distinct pilots named by the year's cases
--   pilots_in_ledger 其中在试点台账中 / of those, pilots the unit's current pilots ledgers list (the
--     name compared with whitespace removed)
--   minimum_met 达到年度要求 / cases ≥ [compliance] cases_per_year
with config as (
    select cases_per_year from stg_config
),

-- One row per case: the listing that counts (int_case_listings states the rule).
unique_cases as (
    select *, case_name as case_key
    from int_case_listings
    where is_counted
),

unit_pilots as (
    select distinct region_code, regexp_replace(pilot, '\s+', '', 'g') as pilot_key
    from stg_pilots
),

years as (
    select distinct cast(left(period, 4) as integer) as year
    from stg_submissions
    where kind = 'cases' and status = 'accepted' and period is not null
),

units as (
    select * from int_year_units
),

counted as (
    select
        years.year,
        units.unit_code as scope_code,
        units.unit_level as scope_level,
        count(unique_cases.case_key) as cases,
        count(unique_cases.case_key) filter (where unique_cases.recognised_level = 'national') as national,
        count(unique_cases.case_key) filter (where unique_cases.recognised_level = 'provincial') as provincial,
        count(unique_cases.case_key) filter (where unique_cases.recognised_level = 'city') as city,
        count(unique_cases.case_key) filter (where unique_cases.recognised_level = 'county') as county,
        count(unique_cases.case_key) filter (where unique_cases.from_pilot) as from_pilots,
        count(distinct unique_cases.pilot_key) as pilots_with_case,
        count(distinct unit_pilots.pilot_key) as pilots_in_ledger
    from years
    inner join units
        on units.year = years.year
    left join unique_cases
        on unique_cases.region_code = units.unit_code
        and unique_cases.year = years.year
    left join unit_pilots
        on unit_pilots.region_code = unique_cases.region_code
        and unit_pilots.pilot_key = unique_cases.pilot_key
    group by years.year, units.unit_code, units.unit_level
)

select
    counted.year,
    counted.scope_code,
    counted.scope_level,
    counted.cases,
    counted.national,
    counted.provincial,
    counted.city,
    counted.county,
    counted.from_pilots,
    counted.from_pilots / nullif(counted.cases, 0) as from_pilots_share,
    counted.pilots_with_case,
    counted.pilots_in_ledger,
    counted.cases >= config.cases_per_year as minimum_met
from counted
cross join config
order by counted.year, counted.scope_level, counted.scope_code
