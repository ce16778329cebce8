-- stg_roster: the expected submitters (报送单位名册) as loaded from roster.csv.
-- grain: one row per unit (code).
-- columns:
--   code 区划代码 / GB/T 2260 six-digit code; a department's 统一社会信用代码 or other stable code
--   name 名称 / the unit's name
--   level 层级 / province, city, county or department
--   parent_code 上级代码 / the parent unit's code
--   valid_from 起始有效日 / first day the unit exists (null = unbounded)
--   valid_to 终止有效日 / last day the unit exists (null = unbounded)
--   aliases 别名 / old names, old codes and short forms
--   category 部门类别 / a department's series in the annual assessment: party (省直党群部门) or
--     government (省政府部门); null when roster.csv gives none (one series)
with roster as (
    select * from raw_roster
)

select
    code,
    name,
    level,
    parent_code,
    valid_from,
    valid_to,
    aliases,
    category
from roster
