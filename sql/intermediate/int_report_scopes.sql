-- int_report_scopes: how the report names and orders every scope (报告口径名称).
-- grain: one row per (period, scope_code), the scopes of int_scopes.
-- columns:
--   period 周期 / the reporting period
--   scope_code 口径代码 / county, city or province code
--   scope_level 口径层级 / county, city, province or department
--   scope_order 排序 / province first, then cities, then counties, then departments, each by code
--   unit_name 单位 / the scope's name
--   parent_name 所属 / the name of the scope's parent (a county's city)
--   level_zh 层级 / 省, 市（州）, 县（市、区） or 省直部门
with scopes as (
    select * from int_scopes
),

roster as (
    select * from stg_roster
),

named as (
    select
        scopes.period,
        scopes.scope_code,
        scopes.scope_level,
        row_number() over (
            partition by scopes.period
            order by
                case scopes.scope_level
                    when 'province' then 0 when 'city' then 1 when 'county' then 2 else 3
                end,
                scopes.scope_code
        ) as scope_order,
        scopes.scope_name as unit_name,
        parent.name as parent_name,
        case scopes.scope_level
            when 'province' then '省'
            when 'city' then '市（州）'
            when 'department' then '省直部门'
            else '县（市、区）'
        end as level_zh
    from scopes
    left join roster as parent
        on parent.code = scopes.parent_code
)

select * from named
