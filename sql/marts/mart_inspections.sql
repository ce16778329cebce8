-- mart_inspections: inspection (督察) in a year: how inspections were made, what they found and
--   whether it went out as a 整改督办通知, and whether every plan due was inspected (每年督察评估一次).
-- grain: one row per (year, scope_code): every county, city and provincial department valid in a
--   period of the year, and the province (which pools the regions only), for each year of
--   int_inspection_years (those in which an inspections ledger was accepted).
-- Inspections count for the unit inspected (int_inspections: the roster unit 被督察单位 names, else
-- the submitting unit), once each, in the year they began; plans are those of each unit's latest
-- plans ledger of the year (int_inspection_plans). A city pools its own and its counties'; counts
-- are summed, never averaged.
-- columns:
--   year 年度 / the calendar year
--   scope_code 口径代码 / county, city, province or department code
--   scope_level 口径层级 / county, city, province or department
--   inspections 督察次数 / inspections begun in the year
--   onsite 实地督察 / of them, on the ground (实地, 现场, 直接督察, 暗访)
--   covert 暗访 / of them, unannounced (暗访, 四不两直)
--   joint 联合督察 / of them, joint with other offices
--   third_party 第三方评估 / of them, evaluated by a third party
--   desk_share 案头督察率 / 1 − onsite / inspections (an inspection not shown to be on site counts as
--     at the desk); null when there was none
--   findings 发现问题数 / problems the inspections found
--   inspections_with_findings 发现问题的督察 / inspections that found problems
--   findings_noticed 问题已督办 / inspections with findings whose notice_no appears in the unit
--     inspected's rectification ledgers
--   plans_due 应督察方案 / plans issued on or before 30 June of the year, not closed by its end
--   plans_inspected 已督察方案 / of those, the subject of at least one inspection of the year
--   plan_inspection_rate 方案督察率 / plans_inspected / plans_due
--   reports_filed 评估报告已报送 / inspections whose report was filed with the office one level up
with members as (
    select * from int_year_scope_units
    where year in (select year from int_inspection_years)
),

inspections as (
    select * from int_inspections
    where is_counted
),

plans as (
    select * from int_inspection_plans
),

inspection_counts as (
    select
        members.year,
        members.scope_code,
        members.scope_level,
        count(inspections.source_ref) as inspections,
        count(inspections.source_ref) filter (where inspections.onsite) as onsite,
        count(inspections.source_ref) filter (where inspections.covert) as covert,
        count(inspections.source_ref) filter (where inspections.joint) as joint,
        count(inspections.source_ref) filter (where inspections.third_party) as third_party,
        cast(coalesce(sum(inspections.findings), 0) as bigint) as findings,
        count(inspections.source_ref) filter (where inspections.inspections_with_findings)
            as inspections_with_findings,
        count(inspections.source_ref) filter (where inspections.findings_noticed) as findings_noticed,
        count(inspections.source_ref) filter (where inspections.reports_filed) as reports_filed
    from members
    left join inspections
        on inspections.year = members.year
        and inspections.inspected_code = members.unit_code
    group by members.year, members.scope_code, members.scope_level
),

plan_counts as (
    select
        members.year,
        members.scope_code,
        count(plans.source_ref) filter (where plans.plans_due) as plans_due,
        count(plans.source_ref) filter (where plans.plans_inspected) as plans_inspected
    from members
    left join plans
        on plans.year = members.year
        and plans.region_code = members.unit_code
    group by members.year, members.scope_code
)

select
    inspection_counts.year,
    inspection_counts.scope_code,
    inspection_counts.scope_level,
    inspection_counts.inspections,
    inspection_counts.onsite,
    inspection_counts.covert,
    inspection_counts.joint,
    inspection_counts.third_party,
    1 - inspection_counts.onsite / nullif(inspection_counts.inspections, 0) as desk_share,
    inspection_counts.findings,
    inspection_counts.inspections_with_findings,
    inspection_counts.findings_noticed,
    plan_counts.plans_due,
    plan_counts.plans_inspected,
    plan_counts.plans_inspected / nullif(plan_counts.plans_due, 0) as plan_inspection_rate,
    inspection_counts.reports_filed
from inspection_counts
inner join plan_counts
    on plan_counts.year = inspection_counts.year
    and plan_counts.scope_code = inspection_counts.scope_code
order by inspection_counts.year, inspection_counts.scope_level, inspection_counts.scope_code
