-- mart_department_gaps: tasks a region's ledger says a provincial department leads, which the
--   department's own task ledger of the period does not list (中梗阻: the lead is named below but
--   the task is not carried above).
-- grain: one row per task row (submission_id, source_sheet, source_row) of a current city, county
--   or province tasks ledger whose lead_unit names a provincial department valid in the period,
--   when that department's current tasks ledgers of the same period hold no task of the same title.
-- A lead_unit names a department when one of its parts (split at 、，,;；/ and line breaks), with
-- whitespace removed, is the department's roster name, one of its aliases, or its short form (the
-- name from its 省 on: 四川省教育厅 → 省教育厅), as region inference reads them. Titles are
-- compared as the ledger comparison compares them (lower-cased, without whitespace, punctuation or
-- symbols) and without a leading verb (深化, 推进, 完善, 加快推进…), since a county and a department
-- word the same reform with different verbs; they match when equal, or when the shorter of the
-- two, of at least four characters, lies inside the longer (推进要素市场化配置改革 /
-- 深化要素市场化配置改革试点 both hold 要素市场化配置改革).
-- columns:
--   period 周期 / the reporting period of both ledgers
--   scope_code 单位代码 / the city, county or province whose ledger names the department
--   scope_level 单位层级 / city, county or province
--   task 改革任务 / the task as the region's ledger writes it
--   lead_unit 牵头单位 / the lead_unit cell as written
--   department_code 部门代码 / the department named
--   department_name 部门名称 / its roster name
--   department_submitted 部门已报送 / the department has a current tasks ledger for the period (when
--     false, every task it is named for is listed)
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the region's task cell
with departments as (
    select scopes.period, scopes.scope_code as department_code, scopes.scope_name as department_name
    from int_scopes as scopes
    where scopes.scope_level = 'department'
),

roster_names as (
    select code, unnest(list_concat([name], coalesce(aliases, []))) as name
    from stg_roster
    where level = 'department'
    union all
    -- The short form: 四川省教育厅 → 省教育厅, 中共四川省委组织部 → 省委组织部.
    select code, '省' || substr(name, strpos(name, '省') + 1) as name
    from stg_roster
    where level = 'department'
        and strpos(name, '省') > 1
        and length(name) - strpos(name, '省') >= 2
),

department_names as (
    select distinct
        departments.period,
        departments.department_code,
        regexp_replace(roster_names.name, '\s+', '', 'g') as name_key
    from departments
    inner join roster_names
        on roster_names.code = departments.department_code
),

region_units as (
    select period, scope_code, scope_level
    from int_scopes
    where scope_level in ('province', 'city', 'county')
),

-- Only rows whose lead_unit could name a department are split: a national build has millions of
-- task rows and, with no department in its roster, none of them qualifies.
named_leads as (
    select
        tasks.period,
        tasks.region_code,
        tasks.submission_id,
        tasks.source_sheet,
        tasks.source_row,
        tasks.source_cell,
        tasks.task,
        tasks.lead_unit,
        regexp_replace(unnest(regexp_split_to_array(tasks.lead_unit, '[、，,;；/\n]+')), '\s+', '', 'g')
            as part_key
    from stg_tasks as tasks
    where tasks.lead_unit is not null
        and exists (select 1 from department_names where department_names.period = tasks.period)
),

named_tasks as (
    select distinct
        leads.period,
        leads.region_code,
        units.scope_level,
        leads.submission_id,
        leads.source_sheet,
        leads.source_row,
        leads.source_cell,
        leads.task,
        leads.lead_unit,
        names.department_code,
        regexp_replace(
            regexp_replace(lower(coalesce(leads.task, '')), '[\s\p{P}\p{S}]+', '', 'g'),
            '^(全面|持续|积极|加快|深入|进一步)?(建立健全|深化|推进|推动|完善|健全|建立|加强|开展|实施|落实|探索|构建|优化)',
            ''
        ) as title
    from named_leads as leads
    inner join region_units as units
        on units.period = leads.period
        and units.scope_code = leads.region_code
    inner join department_names as names
        on names.period = leads.period
        and names.name_key = leads.part_key
),

department_titles as (
    select distinct
        tasks.period,
        tasks.region_code as department_code,
        regexp_replace(
            regexp_replace(lower(coalesce(tasks.task, '')), '[\s\p{P}\p{S}]+', '', 'g'),
            '^(全面|持续|积极|加快|深入|进一步)?(建立健全|深化|推进|推动|完善|健全|建立|加强|开展|实施|落实|探索|构建|优化)',
            ''
        ) as title
    from stg_tasks as tasks
    inner join departments
        on departments.period = tasks.period
        and departments.department_code = tasks.region_code
),

department_ledgers as (
    select distinct period, department_code
    from department_titles
),

carried as (
    select distinct named.submission_id, named.source_sheet, named.source_row, named.department_code
    from named_tasks as named
    inner join department_titles as titles
        on titles.period = named.period
        and titles.department_code = named.department_code
    where titles.title = named.title
        or (
            least(length(titles.title), length(named.title)) >= 4
            and (contains(titles.title, named.title) or contains(named.title, titles.title))
        )
),

files as (
    select distinct submission_id, file_name
    from stg_submissions
)

select
    named.period,
    named.region_code as scope_code,
    named.scope_level,
    named.task,
    named.lead_unit,
    named.department_code,
    departments.department_name,
    ledgers.department_code is not null as department_submitted,
    files.file_name || '!' || named.source_sheet || '!' || named.source_cell as source_ref
from named_tasks as named
inner join departments
    on departments.period = named.period
    and departments.department_code = named.department_code
left join department_ledgers as ledgers
    on ledgers.period = named.period
    and ledgers.department_code = named.department_code
left join carried
    on carried.submission_id = named.submission_id
    and carried.source_sheet = named.source_sheet
    and carried.source_row = named.source_row
    and carried.department_code = named.department_code
inner join files
    on files.submission_id = named.submission_id
where carried.submission_id is null
order by named.period, named.region_code, named.source_sheet, named.source_row, named.department_code
