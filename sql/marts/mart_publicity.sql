-- mart_publicity: each unit's reform publicity in a year (改革宣传): press conferences held against
--   the yearly minimum, and its other events.
-- grain: one row per (year, scope_code): every unit of int_year_units (valid in a period of the
--   year, of a level [expect] asks for any ledger: cities and counties by default), for each year
--   in which any unit sent a publicity ledger (taizhang does not judge a year it collected no
--   publicity for).
-- Events are taken from all of a unit's current publicity ledgers, whatever their period, and
-- counted once per (year, event as written, held_on): an event listed in two ledgers is one, named
-- by the ledger received first. An event's year is that of its held_on, else of its ledger's
-- period. A press conference is an event of kind 新闻发布会 (any 发布会), or of no kind whose name
-- holds 发布会.
-- columns:
--   year 年度 / the calendar year
--   scope_code 单位代码 / the unit
--   scope_level 单位层级 / county, city, province or department
--   events 宣传活动数 / events in the year
--   press_conferences 新闻发布会次数 / press conferences in the year
--   media_columns 媒体专栏数 / events of kind 媒体专栏
--   special_reports 专题报道数 / events of kind 专题报道
--   minimum_met 达到年度要求 / press_conferences ≥ [compliance] press_conferences_per_year
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the year's latest press conference
with config as (
    select press_conferences_per_year from stg_config
),

-- One row per event: the listing that counts (int_publicity_listings states the rule).
events as (
    select *
    from int_publicity_listings
    where is_counted
),

years as (
    select distinct cast(left(period, 4) as integer) as year
    from stg_submissions
    where kind = 'publicity' and status = 'accepted' and period is not null
),

units as (
    select * from int_year_units
),

counted as (
    select
        years.year,
        units.unit_code as scope_code,
        units.unit_level as scope_level,
        count(events.event) as events,
        count(events.event) filter (where events.is_press_conference) as press_conferences,
        count(events.event) filter (where events.event_kind = '媒体专栏') as media_columns,
        count(events.event) filter (where events.event_kind = '专题报道') as special_reports,
        arg_max(events.source_ref, (events.held_on, events.source_ref)) filter (where events.is_press_conference)
            as source_ref
    from years
    inner join units
        on units.year = years.year
    left join events
        on events.region_code = units.unit_code
        and events.year = years.year
    group by years.year, units.unit_code, units.unit_level
)

select
    counted.year,
    counted.scope_code,
    counted.scope_level,
    counted.events,
    counted.press_conferences,
    counted.media_columns,
    counted.special_reports,
    counted.press_conferences >= config.press_conferences_per_year as minimum_met,
    counted.source_ref
from counted
cross join config
order by counted.year, counted.scope_level, counted.scope_code
