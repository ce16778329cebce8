-- mart_meeting_compliance: whether each body of a unit met in each quarter (会议制度落实): every
--   专项小组 meets at least once a quarter; the leading group hears progress reports regularly.
-- grain: one row per (period, scope_code, body): for every unit, every quarter its current
--   meetings ledgers speak for (their periods overlap it) that has ended by the latest period the
--   warehouse reports in its year, and every body those ledgers name a meeting of in that year.
-- Meetings are taken from all of a unit's current meetings ledgers, whatever their period (a
-- quarterly ledger, or a yearly one that lists the year so far), and counted once per (body,
-- held_on): a meeting listed in two ledgers is one meeting, named by the ledger received first. A
-- meeting's quarter is that of its held_on. A body is known from its meetings: one that never met
-- in the year has no rows.
-- columns:
--   period 周期 / the quarter (2024Q2)
--   scope_code 单位代码 / the unit whose body it is
--   scope_level 单位层级 / county, city or province (the unit's roster level)
--   body 会议主体 / the body as written (whitespace removed): 深改领导小组, a 专项小组, 联席会议…
--   is_special_group 是否专项小组 / the name holds 专项小组, or 小组 but not 领导小组
--   meetings 会议次数 / meetings of the body held in the quarter
--   reports_heard 听取汇报数 / reports heard at those meetings (items of reports_heard)
--   quarter_met 达到季度要求 / meetings ≥ [compliance] meetings_per_quarter
--   last_held_on 最近召开时间 / the body's latest meeting on or before the quarter's end
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the body's latest meeting on or before the
--     quarter's end
with config as (
    select meetings_per_quarter from stg_config
),

-- One row per meeting: the listing that counts (int_meeting_listings states the rule).
meetings as (
    select *
    from int_meeting_listings
    where is_counted
),

quarters as (
    -- The quarters of each year up to the latest period the warehouse reports in it.
    select
        year(periods.period_end) as year,
        q.quarter,
        year(periods.period_end) || 'Q' || q.quarter as period,
        make_date(year(periods.period_end), q.quarter * 3 - 2, 1) as quarter_start,
        last_day(make_date(year(periods.period_end), q.quarter * 3, 1)) as quarter_end
    from (select max(period_end) as period_end from int_periods group by year(period_end)) as periods
    cross join range(1, 5) as q (quarter)
    where last_day(make_date(year(periods.period_end), q.quarter * 3, 1)) <= periods.period_end
),

-- The quarters a unit's ledgers speak for: those its current meetings ledgers' periods overlap
-- (a quarterly ledger its quarter, a yearly one every quarter), so a quarter before the unit's
-- first ledger is not taken for a silent one.
unit_quarters as (
    select distinct submissions.region_code, quarters.*
    from stg_submissions as submissions
    inner join int_periods as periods
        on periods.period = submissions.period
    inner join quarters
        on quarters.quarter_start <= periods.period_end
        and quarters.quarter_end >= periods.period_start
    where submissions.kind = 'meetings'
        and submissions.status = 'accepted'
        and submissions.is_current
),

bodies as (
    select distinct region_code, body, year(held_on) as year
    from meetings
),

counted as (
    select
        quarters.period,
        bodies.region_code as scope_code,
        bodies.body,
        count(meetings.held_on) filter (where meetings.held_on >= quarters.quarter_start) as meetings,
        coalesce(sum(meetings.reports_heard) filter (where meetings.held_on >= quarters.quarter_start), 0)
            as reports_heard,
        max(meetings.held_on) as last_held_on,
        arg_max(meetings.source_ref, meetings.held_on) as source_ref
    from bodies
    inner join unit_quarters as quarters
        on quarters.region_code = bodies.region_code
        and quarters.year = bodies.year
    left join meetings
        on meetings.region_code = bodies.region_code
        and meetings.body = bodies.body
        and meetings.held_on <= quarters.quarter_end
    group by quarters.period, bodies.region_code, bodies.body
)

select
    counted.period,
    counted.scope_code,
    roster.level as scope_level,
    counted.body,
    counted.body like '%专项小组%'
    or (counted.body like '%小组%' and counted.body not like '%领导小组%') as is_special_group,
    counted.meetings,
    counted.reports_heard,
    counted.meetings >= config.meetings_per_quarter as quarter_met,
    counted.last_held_on,
    counted.source_ref
from counted
cross join config
left join stg_roster as roster
    on roster.code = counted.scope_code
order by counted.period, counted.scope_code, counted.body
