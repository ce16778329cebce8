-- rpt_coverage: the report's coverage table, per kind for the province, each city and each
--   provincial department (报送率与按时报送率).
-- grain: one row per (period, scope_code, kind), province, cities and departments, kinds some unit
--   is expected to send.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / province first, then cities, then departments by code, then kind
--   unit_name 单位 / the scope's name
--   scope_code 代码 / the scope's code
--   kind_zh 台账类型 / the ledger kind, in Chinese
--   expected_units 应报单位 / units expected to send it
--   submitted_units 已报单位 / expected units that sent it
--   on_time_units 按时报送单位 / expected units whose first accepted file came on time
--   coverage_rate 报送率 / submitted_units / expected_units
--   on_time_rate 按时报送率 / on_time_units / expected_units
with coverage as (
    select * from mart_submission_coverage
),

scopes as (
    select * from int_report_scopes
),

kept as (
    select
        coverage.period,
        row_number() over (
            partition by coverage.period
            order by scopes.scope_order, coverage.kind
        ) as row_order,
        scopes.unit_name,
        coverage.scope_code,
        case coverage.kind
            when 'tasks' then '改革任务'
            when 'rectifications' then '督察整改'
            when 'pilots' then '改革试点'
            when 'plans' then '专项改革方案'
            when 'satisfaction' then '满意度测评'
            else coverage.kind
        end as kind_zh,
        coverage.expected_units,
        coverage.submitted_units,
        coverage.on_time_units,
        coverage.coverage_rate,
        coverage.on_time_rate
    from coverage
    inner join scopes
        on scopes.period = coverage.period
        and scopes.scope_code = coverage.scope_code
    where coverage.expected_units > 0
        and coverage.scope_level in ('province', 'city', 'department')
)

select * from kept
