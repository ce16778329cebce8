-- An exempted item (容错免责认定) leaves the overdue counts from its decision on (DESIGN §14): no
-- task or rectification row of the exemption's unit whose title is the exempted item (after
-- normalisation) counts in overdue_open, raises an overdue or missed-milestone alert or costs a
-- rule deduction in a period ending on or after the decision. Matched here on equal titles
-- alone, independently of int_exempted_rows.
with exemptions as (
    select * from int_office_listings
    where kind = 'exemptions' and is_counted
),

files as (
    select distinct submission_id, file_name
    from stg_submissions
),

rows_after as (
    select
        'task' as item_kind,
        tasks.period,
        tasks.region_code,
        tasks.submission_id,
        tasks.source_sheet,
        tasks.source_row,
        files.file_name || '!' || tasks.source_sheet || '!' || tasks.source_cell as source_ref,
        facts.overdue_open
    from stg_tasks as tasks
    inner join int_task_facts as facts
        using (submission_id, source_sheet, source_row)
    inner join int_periods as periods
        on periods.period = tasks.period
    inner join files
        on files.submission_id = tasks.submission_id
    inner join exemptions
        on exemptions.unit_code = tasks.region_code
        and exemptions.on_date <= periods.period_end
        and exemptions.title_key = regexp_replace(lower(tasks.task), '[\s\p{P}\p{S}]+', '', 'g')
    union all
    select
        'rectification',
        items.period,
        items.region_code,
        items.submission_id,
        items.source_sheet,
        items.source_row,
        files.file_name || '!' || items.source_sheet || '!' || items.source_cell,
        facts.overdue_open
    from stg_rectifications as items
    inner join int_rectification_facts as facts
        using (submission_id, source_sheet, source_row)
    inner join int_periods as periods
        on periods.period = items.period
    inner join files
        on files.submission_id = items.submission_id
    inner join exemptions
        on exemptions.unit_code = items.region_code
        and exemptions.on_date <= periods.period_end
        and exemptions.title_key = regexp_replace(lower(items.problem), '[\s\p{P}\p{S}]+', '', 'g')
)

select item_kind, period, region_code, source_ref, 'counted in overdue_open' as broken
from rows_after
where overdue_open
union all
select rows_after.item_kind, rows_after.period, rows_after.region_code, rows_after.source_ref, 'overdue alert raised'
from rows_after
inner join mart_alerts as alerts
    on alerts.period = rows_after.period
    and alerts.source_ref = rows_after.source_ref
    and alerts.alert in ('overdue_major_task', 'rectification_overdue', 'milestone_missed')
union all
select rows_after.item_kind, rows_after.period, rows_after.region_code, rows_after.source_ref, 'rule deduction charged'
from rows_after
inner join mart_assessment_deductions as deductions
    on deductions.period = rows_after.period
    and deductions.source_ref = rows_after.source_ref
    and deductions.rule = 'per_overdue_major_task'
