-- rpt_sources: the accepted submissions behind the period's figures (本期数据来源).
-- grain: one row per accepted (submission_id, kind) with a unit in the roster, history included.
-- columns:
--   period 周期 / the reporting period
--   row_order 排序 / by unit code, kind, receipt time
--   unit_name 单位 / the submitting unit's name
--   region_code 代码 / the submitting unit's code
--   kind_zh 台账类型 / the ledger kind, in Chinese
--   file_name 文件名 / the file's name as received
--   received_at_text 接收时间 / receipt time in UTC+8, YYYY-MM-DD HH:MM:SS
--   version 版本 / 当前版本 (current) or 历史版本 (superseded)
--   rows_ok 导入行数 / rows accepted
--   rows_rejected 拒收行数 / rows rejected
--   submission_id 报送编号 / the submission (first 16 hex digits of the file's sha256)
with submissions as (
    select * from stg_submissions
    where status = 'accepted'
),

roster as (
    select * from stg_roster
),

named as (
    select
        submissions.period,
        row_number() over (
            partition by submissions.period
            order by submissions.region_code, submissions.kind, submissions.received_at
        ) as row_order,
        roster.name as unit_name,
        submissions.region_code,
        case submissions.kind
            when 'tasks' then '改革任务'
            when 'rectifications' then '督察整改'
            when 'pilots' then '改革试点'
            when 'plans' then '专项改革方案'
            when 'satisfaction' then '满意度测评'
            else submissions.kind
        end as kind_zh,
        submissions.file_name,
        strftime(
            make_timestamp(epoch_us(submissions.received_at) + 28800000000),
            '%Y-%m-%d %H:%M:%S'
        ) as received_at_text,
        case when submissions.is_current then '当前版本' else '历史版本' end as version,
        submissions.rows_ok,
        submissions.rows_rejected,
        submissions.submission_id
    from submissions
    inner join roster
        on roster.code = submissions.region_code
)

select * from named
