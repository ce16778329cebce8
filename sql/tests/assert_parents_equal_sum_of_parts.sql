-- A city's counts equal the sum of its counties' plus its own ledgers', and the province's the sum
-- of its cities' plus its own: counts are pooled, never averaged (DESIGN §7).
-- `measures` is read twice; DuckDB 2.0 then materialises it by default, and on the national
-- sample (3.6 million task rows) about one run in three of that plan hung for good, every worker
-- idle. Inlined, it never did (benches/README.md).
with measures as not materialized (
    unpivot (
        select period, scope_code, tasks_total, tasks_due, due_done, overdue_open, major_due
        from mart_task_completion
    ) on tasks_total, tasks_due, due_done, overdue_open, major_due into name measure value value
    union all
    unpivot (select period, scope_code, fully_owned from mart_task_ownership)
    on fully_owned into name measure value value
    union all
    unpivot (select period, scope_code, items_total, items_due, closed_due from mart_rectification)
    on items_total, items_due, closed_due into name measure value value
    union all
    unpivot (select period, scope_code, pilots_active, overterm, fully_set_up from mart_pilots)
    on pilots_active, overterm, fully_set_up into name measure value value
    union all
    unpivot (select period, scope_code, plans_in_scope, plans_evaluated from mart_plan_supervision)
    on plans_in_scope, plans_evaluated into name measure value value
    union all
    unpivot (select period, scope_code, changes_total, row_removed from mart_ledger_change_counts)
    on changes_total, row_removed into name measure value value
    union all
    unpivot (select period, scope_code, valid, satisfied, unsatisfied from mart_satisfaction)
    on valid, satisfied, unsatisfied into name measure value value
    union all
    select period, scope_code, 'expected_units:' || kind, expected_units
    from mart_submission_coverage
    union all
    select period, scope_code, 'submitted_units:' || kind, submitted_units
    from mart_submission_coverage
),

own as (
    unpivot (
        select
            period,
            region_code as unit_code,
            count(*) as tasks_total,
            count_if(tasks_due) as tasks_due,
            count_if(due_done) as due_done,
            count_if(overdue_open) as overdue_open,
            count_if(major_due) as major_due,
            count_if(fully_owned) as fully_owned
        from int_task_facts
        group by all
    ) on tasks_total, tasks_due, due_done, overdue_open, major_due, fully_owned into name measure value value
    union all
    unpivot (
        select
            period,
            region_code as unit_code,
            count(*) as items_total,
            count_if(items_due) as items_due,
            count_if(closed_due) as closed_due
        from int_rectification_facts
        group by all
    ) on items_total, items_due, closed_due into name measure value value
    union all
    unpivot (
        select
            period,
            region_code as unit_code,
            count_if(pilots_active) as pilots_active,
            count_if(overterm) as overterm,
            count_if(fully_set_up) as fully_set_up
        from int_pilot_facts
        group by all
    ) on pilots_active, overterm, fully_set_up into name measure value value
    union all
    unpivot (
        select
            period,
            region_code as unit_code,
            count_if(plans_in_scope) as plans_in_scope,
            count_if(plans_evaluated) as plans_evaluated
        from int_plan_facts
        group by all
    ) on plans_in_scope, plans_evaluated into name measure value value
    union all
    unpivot (
        select
            period,
            region_code as unit_code,
            sum(valid) as valid,
            sum(satisfied) as satisfied,
            sum(unsatisfied) as unsatisfied
        from int_satisfaction_facts
        group by all
    ) on valid, satisfied, unsatisfied into name measure value value
    union all
    unpivot (
        select
            period,
            scope_code as unit_code,
            count(*) as changes_total,
            count(*) filter (where change = 'row_removed') as row_removed
        from mart_ledger_changes
        group by all
    ) on changes_total, row_removed into name measure value value
    union all
    select period, unit_code, 'expected_units:' || kind, 1
    from int_expected_submissions
    union all
    select period, unit_code, 'submitted_units:' || kind, 1
    from int_expected_submissions
    where is_submitted
),

parents as (
    select period, scope_code, scope_level
    from int_scopes
    where scope_level in ('city', 'province')
),

children as (
    select
        parents.period,
        parents.scope_code,
        measures.measure,
        sum(measures.value) as value
    from parents
    inner join int_scopes as child
        on child.period = parents.period
        and child.parent_code = parents.scope_code
        -- A department's parent is the province, which does not pool it.
        and child.scope_level <> 'department'
    inner join measures
        on measures.period = child.period
        and measures.scope_code = child.scope_code
    group by all
),

own_totals as (
    select period, unit_code as scope_code, measure, sum(value) as value
    from own
    group by all
)

select
    parents.period,
    parents.scope_code,
    parents.scope_level,
    measures.measure,
    measures.value as reported,
    coalesce(children.value, 0) as children,
    coalesce(own_totals.value, 0) as own
from parents
inner join measures
    on measures.period = parents.period
    and measures.scope_code = parents.scope_code
left join children
    on children.period = parents.period
    and children.scope_code = parents.scope_code
    and children.measure = measures.measure
left join own_totals
    on own_totals.period = parents.period
    and own_totals.scope_code = parents.scope_code
    and own_totals.measure = measures.measure
where measures.value <> coalesce(children.value, 0) + coalesce(own_totals.value, 0)
