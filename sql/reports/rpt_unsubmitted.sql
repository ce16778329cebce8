-- rpt_unsubmitted: expected units that sent nothing, and those that sent late (未报送单位, 逾期报送单位).
-- grain: one row per (period, unit_code, kind) expected and not submitted on time.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / by kind, then unit code
--   is_submitted 是否已报 / false: sent nothing; true: sent, but late
--   unit_name 单位 / the unit's name
--   unit_code 代码 / the unit's code
--   parent_name 所属 / the unit's parent
--   kind_zh 台账类型 / the ledger kind, in Chinese
--   due_on 报送截止日 / the last on-time day, YYYY-MM-DD
--   first_received_on 首次报送日 / the day its first accepted file came, YYYY-MM-DD
with expected as (
    select * from int_expected_submissions
),

roster as (
    select * from stg_roster
),

late_or_missing as (
    select
        expected.period,
        row_number() over (
            partition by expected.period, expected.is_submitted
            order by expected.kind, expected.unit_code
        ) as row_order,
        expected.is_submitted,
        unit.name as unit_name,
        expected.unit_code,
        parent.name as parent_name,
        case expected.kind
            when 'tasks' then '改革任务'
            when 'rectifications' then '督察整改'
            when 'pilots' then '改革试点'
            when 'plans' then '专项改革方案'
            when 'satisfaction' then '满意度测评'
            else expected.kind
        end as kind_zh,
        strftime(expected.due_on, '%Y-%m-%d') as due_on,
        strftime(expected.first_received_on, '%Y-%m-%d') as first_received_on
    from expected
    inner join roster as unit
        on unit.code = expected.unit_code
    left join roster as parent
        on parent.code = unit.parent_code
    where not expected.is_submitted
        or not expected.is_on_time
)

select * from late_or_missing
