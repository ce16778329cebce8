-- mart_inspections pools per year as the period marts pool: a city's counts equal its counties'
-- rows plus what was counted for the city itself, and the province's its cities' (and direct
-- counties') rows plus its own — so the inspections of every scope add up to the province row.
-- "Own" is taken from the listing models the mart counts (int_inspections, int_inspection_plans).
with measures as (
    unpivot (
        select
            year,
            scope_code,
            inspections,
            onsite,
            covert,
            joint,
            third_party,
            findings,
            inspections_with_findings,
            findings_noticed,
            plans_due,
            plans_inspected,
            reports_filed
        from mart_inspections
    ) on inspections, onsite, covert, joint, third_party, findings, inspections_with_findings,
        findings_noticed, plans_due, plans_inspected, reports_filed
    into name measure value value
),

own as (
    unpivot (
        select
            year,
            inspected_code as unit_code,
            count(*) as inspections,
            count_if(onsite) as onsite,
            count_if(covert) as covert,
            count_if(joint) as joint,
            count_if(third_party) as third_party,
            sum(findings) as findings,
            count_if(inspections_with_findings) as inspections_with_findings,
            count_if(findings_noticed) as findings_noticed,
            count_if(reports_filed) as reports_filed
        from int_inspections
        where is_counted
        group by all
    ) on inspections, onsite, covert, joint, third_party, findings, inspections_with_findings,
        findings_noticed, reports_filed
    into name measure value value
    union all
    unpivot (
        select
            year,
            region_code as unit_code,
            count_if(plans_due) as plans_due,
            count_if(plans_inspected) as plans_inspected
        from int_inspection_plans
        group by all
    ) on plans_due, plans_inspected into name measure value value
),

year_scopes as (
    select distinct year(periods.period_end) as year, scopes.scope_code, scopes.scope_level, scopes.parent_code
    from int_scopes as scopes
    inner join int_periods as periods
        using (period)
),

parents as (
    select year, scope_code, scope_level
    from year_scopes
    where scope_level in ('city', 'province')
),

children as (
    select
        parents.year,
        parents.scope_code,
        measures.measure,
        sum(measures.value) as value
    from parents
    inner join year_scopes as child
        on child.year = parents.year
        and child.parent_code = parents.scope_code
        -- A department's parent is the province, which does not pool it.
        and child.scope_level <> 'department'
    inner join measures
        on measures.year = child.year
        and measures.scope_code = child.scope_code
    group by all
),

own_totals as (
    select year, unit_code as scope_code, measure, sum(value) as value
    from own
    group by all
)

select
    parents.year,
    parents.scope_code,
    parents.scope_level,
    measures.measure,
    measures.value as reported,
    coalesce(children.value, 0) as children,
    coalesce(own_totals.value, 0) as own
from parents
inner join measures
    on measures.year = parents.year
    and measures.scope_code = parents.scope_code
left join children
    on children.year = parents.year
    and children.scope_code = parents.scope_code
    and children.measure = measures.measure
left join own_totals
    on own_totals.year = parents.year
    and own_totals.scope_code = parents.scope_code
    and own_totals.measure = measures.measure
where measures.value <> coalesce(children.value, 0) + coalesce(own_totals.value, 0)
