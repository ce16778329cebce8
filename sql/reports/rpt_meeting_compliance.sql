-- rpt_meeting_compliance: the report's table of the bodies that meet (会议制度落实), as
--   mart_meeting_compliance: the province's bodies first, then cities', then counties'.
-- grain: one row per (period, scope_code, body), as mart_meeting_compliance, for scopes of the
--   period.
-- columns:
--   period 周期 / the quarter
--   row_order 排序 / by the unit's report order, then the body
--   unit_name 单位 / the unit whose body it is
--   level_zh 层级 / 省, 市（州） or 县（市、区）
--   body 会议主体 / the body
--   is_special_group 专项小组 / the body is a 专项小组
--   meetings 本季度会议次数 / meetings held in the quarter
--   reports_heard 听取汇报数 / reports heard at them
--   quarter_met 达到要求 / meetings ≥ [compliance] meetings_per_quarter
--   last_held_on 最近召开时间 / the latest meeting on or before the quarter's end
with figures as (
    select * from mart_meeting_compliance
),

scopes as (
    select * from int_report_scopes
)

select
    figures.period,
    row_number() over (
        partition by figures.period order by scopes.scope_order, figures.body
    ) as row_order,
    scopes.unit_name,
    scopes.level_zh,
    figures.body,
    figures.is_special_group,
    figures.meetings,
    figures.reports_heard,
    figures.quarter_met,
    cast(figures.last_held_on as varchar) as last_held_on
from figures
inner join scopes
    on scopes.period = figures.period
    and scopes.scope_code = figures.scope_code
