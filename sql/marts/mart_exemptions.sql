-- mart_exemptions: every exemption (容错免责认定) of the year and what it took out of the figures
--   — the exempted items stay in the lake and in the ledgers' counts of tasks; only their being
--   overdue stops counting, from the decision date on.
-- grain: one row per counted exemption (year, scope_code, item, decision_no).
-- columns:
--   year 年度 / the year of the decision
--   scope_code 单位代码 / the unit exempted
--   scope_level 单位层级 / its roster level
--   item 免责事项 / the item as written (a task or problem title, or its 序号)
--   decided_on 认定时间 / the decision date
--   decision_no 认定文号 / the decision's number
--   ground 认定情形 / inexperience (缺乏经验先行先试), exploration (探索创新) or development (推动发展)
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the 免责事项 cell
--   rows_covered 涉及台账行 / ledger rows of the unit the item matches in periods ending on or
--     after the decision (int_exempted_rows), in the year
--   overdue_removed 不计逾期次数 / of those, the rows overdue and open: the times the item left
--     overdue_open
--   alerts_removed 不发预警数 / the overdue_major_task and rectification_overdue alerts not raised
--   points_removed 不扣分数 / the per_overdue_major_task points not deducted for it
--   removed 免除内容 / what it removed, in Chinese; null when the item matched no overdue row
with exemptions as (
    select * from int_office_listings
    where kind = 'exemptions' and is_counted
),

covered as (
    select
        exempted.*,
        year(periods.period_end) as year,
        regexp_full_match(exempted.period, '[0-9]{4}Q[1-4]') as is_quarter
    from int_exempted_rows as exempted
    inner join int_periods as periods
        using (period)
),

rule as (
    select coalesce(max(points), 0) as per_overdue_major_task
    from stg_config_deductions
    where rule = 'per_overdue_major_task'
),

removed as (
    select
        exemptions.source_ref,
        count(covered.submission_id) as rows_covered,
        count(covered.submission_id) filter (where covered.was_overdue) as overdue_removed,
        count(covered.submission_id) filter (where covered.was_overdue and (covered.was_major_overdue or covered.item_kind = 'rectification')) as alerts_removed,
        count(covered.submission_id) filter (
            where covered.was_major_overdue and covered.item_kind = 'task' and covered.is_quarter
        ) as major_quarters
    from exemptions
    left join covered
        on covered.exemption_ref = exemptions.source_ref
        and covered.year = exemptions.year
    group by exemptions.source_ref
),

overdue_periods as (
    select
        exemption_ref as source_ref,
        array_to_string(list(period order by period), '、') as overdue_periods
    from (
        select distinct covered.exemption_ref, covered.period
        from covered
        inner join exemptions
            on exemptions.source_ref = covered.exemption_ref
            and exemptions.year = covered.year
        where covered.was_overdue
    ) as overdue
    group by exemption_ref
)

select
    exemptions.year,
    exemptions.unit_code as scope_code,
    roster.level as scope_level,
    exemptions.title as item,
    exemptions.on_date as decided_on,
    exemptions.document_no as decision_no,
    exemptions.ground,
    exemptions.source_ref,
    removed.rows_covered,
    removed.overdue_removed,
    removed.alerts_removed,
    round(removed.major_quarters * rule.per_overdue_major_task, 2) as points_removed,
    case when removed.overdue_removed > 0 then
        overdue_periods.overdue_periods || '不计逾期未完成（' || cast(removed.overdue_removed as varchar) || '次）；不发逾期预警'
        || cast(removed.alerts_removed as varchar) || '条；不扣规则分'
        || printf('%.2f', removed.major_quarters * rule.per_overdue_major_task) || '分'
    end as removed
from exemptions
inner join removed
    using (source_ref)
left join overdue_periods
    using (source_ref)
inner join stg_roster as roster
    on roster.code = exemptions.unit_code
cross join rule
order by exemptions.year, exemptions.unit_code, exemptions.on_date, exemptions.source_ref
