-- rpt_alert_counts: how many findings of each type each unit is named for (预警统计), as the
--   portal's alerts page shows them; each count's rows are mart_alerts' of its unit, period and type.
-- grain: one row per (period, scope_code, alert) with at least one row in mart_alerts.
-- columns:
--   period 周期 / the reporting period
--   alert 类型代码 / the finding's code, as in mart_alerts
--   alert_zh 类型 / the finding, in Chinese
--   unit_name 单位 / the unit's name
--   scope_code 代码 / the unit named
--   level_zh 层级 / 省, 市（州）, 县（市、区） or 省直部门
--   alerts 条数 / rows of mart_alerts of the unit, the period and the type
with alerts as (
    select * from rpt_alerts
)

select
    period,
    alert,
    alert_zh,
    unit_name,
    scope_code,
    level_zh,
    count(*) as alerts
from alerts
group by period, alert, alert_zh, unit_name, scope_code, level_zh
