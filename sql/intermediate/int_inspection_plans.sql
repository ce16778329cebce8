-- int_inspection_plans: each special reform plan (专项改革方案) a unit holds in a year taizhang
--   judges inspections for, whether it was due for the year's inspection and evaluation (每年
--   督察评估一次) and whether it had one.
-- grain: one row per (year, plan row of the unit's latest current plans ledger of the year).
-- A unit's plans of a year are the rows of its current plans ledger of the latest period of the
-- year it sent one for (by period end; of the same end, a month's ledger before a quarter's, a
-- quarter's before a year's). Due: issued_on on or before 30 June of the year and not closed_on
-- on or before 31 December.
-- Inspected: the subject of a counted inspection (int_inspections) started in the year that the
-- plan's unit lists or is inspected in, whose subject_kind is plan or blank. Titles are matched
-- after normalisation: lower-cased, without whitespace, punctuation or symbols (《》 and quotes
-- included), a leading 关于 and a trailing (的)(实施)方案 set aside, so 《深化医药卫生体制改革实施方案》
-- names 关于深化医药卫生体制改革的实施方案.
-- columns:
--   year 年度 / a year of int_inspection_years
--   region_code 填报单位代码 / the unit whose plans ledger holds the plan
--   period 周期 / the period of that ledger
--   submission_id 报送编号 / the submission (file) the row came from
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   source_cell 单元格 / A1 reference of the plan cell
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the plan cell
--   plan 方案名称 / as written
--   issued_on 出台时间 / when the plan was issued
--   closed_on 销账时间 / when it was closed, if it was
--   plans_due 应督察方案 / issued_on ≤ 30 June of the year and not closed_on ≤ 31 December
--   plans_inspected 已督察方案 / due and the subject of an inspection of the year
--   first_inspected_on 首次督察时间 / the earliest such inspection's started_on (due or not)
--   inspection_ref 督察来源 / <file_name>!<sheet>!<cell> of that inspection's 督察事项 cell
with years as (
    select * from int_inspection_years
),

plans as (
    select * from stg_plans
),

periods as (
    select * from int_periods
),

inspections as (
    select * from int_inspections
    where is_counted and (subject_kind is null or subject_kind = 'plan') and subject is not null
),

files as (
    select distinct submission_id, file_name
    from stg_submissions
),

-- Every title either side writes, keyed once.
title_keys as (
    select
        title,
        regexp_replace(
            regexp_replace(
                regexp_replace(lower(title), '[\s\p{P}\p{S}]+', '', 'g'),
                '^关于', ''
            ),
            -- Anchored at the end, it matches once at most: 'g' says so to engines (Spark) whose
            -- replace is always global.
            '的?(实施)?方案$', '', 'g'
        ) as title_key
    from (
        select plan as title from plans where plan is not null
        union
        select subject from inspections
    )
),

latest_ledgers as (
    select
        years.year,
        plans.region_code,
        plans.period,
        plans.submission_id
    from plans
    inner join periods
        using (period)
    inner join years
        on years.year = year(periods.period_end)
    group by years.year, plans.region_code, plans.period, plans.submission_id, periods.period_end
    qualify row_number() over (
        partition by years.year, plans.region_code
        order by periods.period_end desc, length(plans.period) desc, plans.period desc
    ) = 1
),

year_plans as (
    select
        latest_ledgers.year,
        plans.region_code,
        plans.period,
        plans.submission_id,
        plans.source_sheet,
        plans.source_row,
        plans.source_cell,
        files.file_name || '!' || plans.source_sheet || '!' || plans.source_cell as source_ref,
        plans.plan,
        plans.issued_on,
        plans.closed_on,
        title_keys.title_key,
        coalesce(
            plans.issued_on <= years.due_by and not coalesce(plans.closed_on <= years.year_end, false),
            false
        ) as plans_due
    from latest_ledgers
    inner join plans
        using (submission_id)
    inner join years
        on years.year = latest_ledgers.year
    inner join files
        using (submission_id)
    left join title_keys
        on title_keys.title = plans.plan
),

matched as (
    select
        year_plans.year,
        year_plans.submission_id,
        year_plans.source_sheet,
        year_plans.source_row,
        arg_min(inspections.started_on, (inspections.started_on, inspections.source_ref)) as first_inspected_on,
        arg_min(inspections.source_ref, (inspections.started_on, inspections.source_ref)) as inspection_ref
    from year_plans
    inner join inspections
        on inspections.year = year_plans.year
        and year_plans.region_code in (inspections.region_code, inspections.inspected_code)
    inner join title_keys
        on title_keys.title = inspections.subject
        and title_keys.title_key = year_plans.title_key
    where year_plans.title_key <> ''
    group by year_plans.year, year_plans.submission_id, year_plans.source_sheet, year_plans.source_row
)

select
    year_plans.year,
    year_plans.region_code,
    year_plans.period,
    year_plans.submission_id,
    year_plans.source_sheet,
    year_plans.source_row,
    year_plans.source_cell,
    year_plans.source_ref,
    year_plans.plan,
    year_plans.issued_on,
    year_plans.closed_on,
    year_plans.plans_due,
    year_plans.plans_due and matched.first_inspected_on is not null as plans_inspected,
    matched.first_inspected_on,
    matched.inspection_ref
from year_plans
left join matched
    on matched.year = year_plans.year
    and matched.submission_id = year_plans.submission_id
    and matched.source_sheet = year_plans.source_sheet
    and matched.source_row = year_plans.source_row
