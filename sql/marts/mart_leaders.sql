-- mart_leaders: the tasks each leader named in a unit's ledger is in charge of (述职 roll-up).
-- grain: one row per (year, scope_code, leader): for every unit, its latest tasks ledger of the
--   year (the current submission of its last period with one), and every leader it names.
-- A 牵头领导 cell naming several leaders is split on the unit separators (、，,；;/ and line
-- breaks); a name is folded like text (full-width letters and spaces already folded at ingest)
-- and its spaces removed, so 张　明 and 张明 are one leader. A task counts once for each leader
-- it names. Facts are as of that ledger's period's end (int_task_facts), so an exempted task is
-- not overdue_open.
-- columns:
--   year 年度 / the calendar year
--   scope_code 单位代码 / the unit whose ledger names the leader
--   scope_level 单位层级 / county, city, province or department
--   period 周期 / the ledger's period the figures are read from
--   leader 领导 / the leader's name, folded
--   tasks 任务数 / tasks naming the leader
--   major 重大任务数 / of those, marked major
--   done 已完成 / of those, done
--   overdue_open 逾期未完成 / of those, due by the period's end and not done (not exempted)
with latest as (
    select
        year(periods.period_end) as year,
        tasks.region_code,
        max(tasks.period) as period
    from stg_tasks as tasks
    inner join int_periods as periods
        using (period)
    group by year(periods.period_end), tasks.region_code
),

named as (
    select
        latest.year,
        tasks.region_code,
        tasks.period,
        tasks.submission_id,
        tasks.source_sheet,
        tasks.source_row,
        coalesce(tasks.is_major, false) as is_major,
        coalesce(tasks.status = 'done', false) as is_done,
        unnest(regexp_split_to_array(tasks.leader, '[、，,；;/／\n\r]+')) as name
    from stg_tasks as tasks
    inner join latest
        on latest.region_code = tasks.region_code
        and latest.period = tasks.period
    where tasks.leader is not null
),

folded as (
    select
        named.*,
        regexp_replace(named.name, '[\s\x{3000}]+', '', 'g') as leader
    from named
),

counted as (
    select
        folded.year,
        folded.region_code as scope_code,
        folded.period,
        folded.leader,
        count(*) as tasks,
        count(*) filter (where folded.is_major) as major,
        count(*) filter (where folded.is_done) as done,
        count(*) filter (where facts.overdue_open) as overdue_open
    from folded
    inner join int_task_facts as facts
        using (submission_id, source_sheet, source_row)
    where folded.leader <> ''
    group by folded.year, folded.region_code, folded.period, folded.leader
)

select
    counted.year,
    counted.scope_code,
    roster.level as scope_level,
    counted.period,
    counted.leader,
    counted.tasks,
    counted.major,
    counted.done,
    counted.overdue_open
from counted
inner join stg_roster as roster
    on roster.code = counted.scope_code
order by counted.year, counted.scope_code, counted.leader
