-- stg_roster: the expected submitters (报送单位名册) as loaded from roster.csv.
-- grain: one row per unit (code).
-- columns: code 区划代码 / GB/T 2260 code; name 名称 / name; level 层级 / province, city or county;
--   parent_code 上级代码 / parent unit; valid_from, valid_to 有效期 / validity (blank = unbounded);
--   aliases 别名 / old names, old codes, short forms.
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
    aliases
from roster
