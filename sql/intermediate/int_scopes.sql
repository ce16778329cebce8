-- int_scopes: the reporting scopes (统计口径) of each period: every county and city valid in the
--   period, and the province.
-- grain: one row per (period, scope_code).
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / the unit's GB/T 2260 code
--   scope_level 口径层级 / county, city, province or department
--   scope_name 口径名称 / the unit's name in the roster
--   parent_code 上级代码 / the unit's parent in the roster (null for the province)
select distinct
    scope_units.period,
    scope_units.scope_code,
    scope_units.scope_level,
    roster.name as scope_name,
    roster.parent_code
from int_scope_units as scope_units
inner join stg_roster as roster
    on roster.code = scope_units.scope_code
