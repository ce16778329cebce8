-- stg_submissions: every received file and kind (报送记录), history included.
-- grain: one row per (submission_id, kind); kind is null for a file with no usable ledger.
-- columns: as raw_submissions, plus:
--   received_on 接收日期 / calendar date of receipt in UTC+8
--   is_current 是否当前版本 / the accepted submission with the latest received_at for its
--     (kind, region_code, period), ties to the larger submission_id
with submissions as (
    select * from raw_submissions
),

dated as (
    select
        *,
        -- Day comparisons use the calendar date in China Standard Time (DESIGN §3).
        cast(make_timestamp(epoch_us(received_at) + 28800000000) as date) as received_on
    from submissions
),

ranked as (
    select
        *,
        status = 'accepted'
        and row_number() over (
            partition by kind, region_code, period, status = 'accepted'
            order by received_at desc, submission_id desc
        ) = 1 as is_current
    from dated
)

select * from ranked
