-- stg_config_weights: the scorecard's indicator weights per assessed level (指标权重): cities and
--   counties take [scorecard.weights], provincial departments [scorecard.department_weights]
--   (the same weights when it is not set).
-- grain: one row per (scope_level, indicator).
-- columns:
--   scope_level 口径层级 / city, county or department
--   indicator 指标 / submission, completion, on_time, ownership, rectification, pilots, satisfaction,
--     meetings, publicity, cases
--   weight 权重 / its weight in the composite score
select levels.scope_level, weights.indicator, weights.weight
from raw_config_weights as weights
cross join (values ('city'), ('county')) as levels (scope_level)
union all
select 'department' as scope_level, indicator, weight
from raw_config_department_weights
