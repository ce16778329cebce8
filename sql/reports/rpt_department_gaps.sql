-- rpt_department_gaps: the report's 中梗阻 table — tasks a region's ledger says a provincial
--   department leads, missing from the department's own ledger of the period (mart_department_gaps).
-- grain: one row per row of mart_department_gaps.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / by department, then the region's report order, then the cell
--   department_name 省直部门 / the department named as lead
--   unit_name 填报单位 / the city, county or province whose ledger names it
--   task 改革任务 / the task as the region writes it
--   lead_unit 牵头单位（原文） / the lead_unit cell as written
--   department_ledger 部门台账 / 未列此任务 (the department's ledger lacks it) or 未报送 (the
--     department sent no tasks ledger for the period)
--   source_ref 来源 / <file_name>!<sheet>!<cell> of the region's task cell
with gaps as (
    select * from mart_department_gaps
),

scopes as (
    select * from int_report_scopes
)

select
    gaps.period,
    row_number() over (
        partition by gaps.period
        order by gaps.department_code, scopes.scope_order, gaps.source_ref
    ) as row_order,
    gaps.department_name,
    scopes.unit_name,
    gaps.task,
    gaps.lead_unit,
    case when gaps.department_submitted then '未列此任务' else '未报送' end as department_ledger,
    gaps.source_ref
from gaps
inner join scopes
    on scopes.period = gaps.period
    and scopes.scope_code = gaps.scope_code
