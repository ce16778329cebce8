-- mart_exemptions: every exemption (容错免责认定) and what it took out of each year's figures —
--   the exempted items stay in the lake and in the ledgers' counts of tasks; only their being
--   overdue stops counting, from the decision date on.
-- grain: one row per (year, counted exemption): the year of its decision, and every later year
--   in which the item it names still matched ledger rows (a task carried over, named by its
--   title, stays exempted, and the year it spares is shown).
-- columns:
--   year 年度 / the year assessed: the decision's, or a later one in which the item matched rows
--   scope_code 单位代码 / the unit exempted
--   scope_level 单位层级 / its roster level
--   item 免责事项 / the item as written (a task or problem title, or a task's 序号)
--   decided_on 认定时间 / the decision date
--   decision_no 认定文号 / the decision's number
--   ground 认定情形 / inexperience (缺乏经验先行先试), exploration (探索创新) or development (推动发展)
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the 免责事项 cell
--   rows_covered 涉及台账行 / ledger rows of the unit the item matches in periods of the year
--     ending on or after the decision (int_exempted_rows)
--   overdue_removed 不计逾期次数 / of those, the rows overdue and open: the times the item left
--     overdue_open
--   alerts_removed 不发预警数 / the overdue_major_task and rectification_overdue alerts not raised
--   points_removed 不扣分数 / the points the unit's year's deductions are lower by because of it:
--     the per_overdue_major_task points of its rows in assessed quarters, less what the
--     [assessment.deductions] cap would have cut anyway (when the unit's deductions reach the cap
--     without them, nothing); a unit's exemptions share what they spare in proportion to their
--     points, each to two decimals, the last (by source_ref) taking the rest so they add up
--   points_spared_uncapped 规则免扣分（封顶前） / those per_overdue_major_task points before the cap
--   removed 免除内容 / what it removed, in Chinese; null when the item matched no overdue row
with exemptions as (
    select * from int_office_listings
    where kind = 'exemptions' and is_counted
),

covered as (
    select
        exempted.*,
        year(periods.period_end) as year,
        assessed.unit_code is not null as is_assessed
    from int_exempted_rows as exempted
    inner join int_periods as periods
        using (period)
    left join int_assessment_units as assessed
        on assessed.period = exempted.period
        and assessed.unit_code = exempted.region_code
),

rule as (
    select coalesce(max(points), 0) as per_overdue_major_task
    from stg_config_deductions
    where rule = 'per_overdue_major_task'
),

exemption_years as (
    select source_ref, unit_code, year
    from exemptions
    union
    select covered.exemption_ref, exemptions.unit_code, covered.year
    from covered
    inner join exemptions
        on exemptions.source_ref = covered.exemption_ref
        and covered.year >= exemptions.year
),

removed as (
    select
        exemption_years.source_ref,
        exemption_years.unit_code,
        exemption_years.year,
        count(covered.submission_id) as rows_covered,
        count(covered.submission_id) filter (where covered.was_overdue) as overdue_removed,
        count(covered.submission_id) filter (where covered.was_overdue and (covered.was_major_overdue or covered.item_kind = 'rectification')) as alerts_removed,
        count(covered.submission_id) filter (
            where covered.was_major_overdue and covered.item_kind = 'task' and covered.is_assessed
        ) * any_value(rule.per_overdue_major_task) as points_spared
    from exemption_years
    cross join rule
    left join covered
        on covered.exemption_ref = exemption_years.source_ref
        and covered.year = exemption_years.year
    group by exemption_years.source_ref, exemption_years.unit_code, exemption_years.year
),

charged as (
    select year, scope_code, sum(points) as points
    from mart_assessment_deductions
    group by year, scope_code
),

spared as (
    select year, unit_code, sum(points_spared) as points_spared
    from removed
    group by year, unit_code
),

saved as (
    select
        spared.year,
        spared.unit_code,
        spared.points_spared,
        case
            when config.deductions_cap is null then spared.points_spared
            else greatest(
                least(config.deductions_cap, coalesce(charged.points, 0) + spared.points_spared)
                - least(config.deductions_cap, coalesce(charged.points, 0)),
                0
            )
        end as points_saved
    from spared
    cross join stg_config as config
    left join charged
        on charged.year = spared.year
        and charged.scope_code = spared.unit_code
),

overdue_periods as (
    select
        exemption_ref as source_ref,
        year,
        array_to_string(list(period order by period), '、') as overdue_periods
    from (
        select distinct covered.exemption_ref, covered.year, covered.period
        from covered
        where covered.was_overdue
    ) as overdue
    group by exemption_ref, year
),

shares as (
    select
        removed.*,
        round(coalesce(saved.points_saved, 0), 2) as unit_saved,
        case when saved.points_spared > 0
            then round(removed.points_spared * saved.points_saved / saved.points_spared, 2)
            else 0
        end as rounded_share,
        row_number() over (
            partition by removed.year, removed.unit_code
            order by removed.source_ref desc
        ) = 1 as is_last
    from removed
    left join saved
        on saved.year = removed.year
        and saved.unit_code = removed.unit_code
),

-- Each share rounded to two decimals but the last (by source_ref), which
-- takes the rest: a unit's points_removed add up to what it was spared.
shared as (
    select
        shares.*,
        case when is_last
            then round(unit_saved - (sum(rounded_share) over (partition by year, unit_code) - rounded_share), 2)
            else rounded_share
        end as points_removed
    from shares
)

select
    shared.year,
    exemptions.unit_code as scope_code,
    roster.level as scope_level,
    exemptions.title as item,
    exemptions.on_date as decided_on,
    exemptions.document_no as decision_no,
    exemptions.ground,
    exemptions.source_ref,
    shared.rows_covered,
    shared.overdue_removed,
    shared.alerts_removed,
    shared.points_removed,
    round(shared.points_spared, 2) as points_spared_uncapped,
    case when shared.overdue_removed > 0 then
        overdue_periods.overdue_periods || '不计逾期未完成（' || cast(shared.overdue_removed as varchar) || '次）；不发逾期预警'
        || cast(shared.alerts_removed as varchar) || '条；不扣规则分'
        || printf('%.2f', shared.points_removed) || '分'
        || case when shared.points_removed < round(shared.points_spared, 2)
            then '（封顶前' || printf('%.2f', shared.points_spared) || '分）' else '' end
    end as removed
from exemptions
inner join shared
    using (source_ref)
left join overdue_periods
    on overdue_periods.source_ref = shared.source_ref
    and overdue_periods.year = shared.year
inner join stg_roster as roster
    on roster.code = exemptions.unit_code
order by shared.year, exemptions.unit_code, exemptions.on_date, exemptions.source_ref
