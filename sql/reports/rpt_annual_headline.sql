-- rpt_annual_headline: the annual report's headline figures (年度考核概览).
-- grain: one row per year of mart_annual_assessment.
-- columns:
--   year 年度 / the year assessed
--   row_order 排序 / 1
--   units 考核单位数 / units assessed (cities, counties, departments)
--   passed 达标单位数 / units whose final score reached pass_score (0 when unset)
--   named 点名通报单位数 / units named
--   deductions 扣分合计 / the points deducted in all, after each unit's cap
--   accountability_events 问责次数 / accountability events
--   exemptions 容错免责数 / exemptions decided
select
    year,
    1 as row_order,
    count(*) as units,
    count(*) filter (where passed) as passed,
    count(*) filter (where named) as named,
    sum(deductions) as deductions,
    sum(accountability_events) as accountability_events,
    sum(exemptions) as exemptions
from mart_annual_assessment
group by year
