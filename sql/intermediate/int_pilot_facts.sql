-- int_pilot_facts: each current pilot (改革试点) with the facts mart_pilots counts.
-- grain: one row per pilot row of a current submission (submission_id, source_sheet, source_row).
-- status and term_months are not used: activity and age come from the dates.
-- columns:
--   period 周期 / the row's period
--   region_code 填报单位代码 / the unit whose ledger holds the row
--   submission_id 报送编号 / the submission (file) the row came from
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   source_cell 单元格 / A1 reference of the pilot cell
--   pilots_active 是否在试 / no ended_on, or ended_on after E
--   overterm 超期试点 / active and started_on + 24 months < E, strictly (原则上不超过2年)
--   fully_set_up 组织健全 / active, with lead_leader, has_plan and has_team
--   filed 已备案 / active and filed_on present
with pilots as (
    select * from stg_pilots
),

periods as (
    select * from int_periods
),

flags as (
    select
        pilots.*,
        pilots.ended_on is null or pilots.ended_on > periods.period_end as is_active,
        coalesce(pilots.started_on + interval 24 month < periods.period_end, false) as is_old
    from pilots
    inner join periods
        on periods.period = pilots.period
)

select
    period,
    region_code,
    submission_id,
    source_sheet,
    source_row,
    source_cell,
    is_active as pilots_active,
    is_active and is_old as overterm,
    is_active
    and lead_leader is not null
    and coalesce(has_plan, false)
    and coalesce(has_team, false) as fully_set_up,
    is_active and filed_on is not null as filed
from flags
