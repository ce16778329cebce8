-- int_exempted_rows: the task and rectification rows an exemption (容错免责认定) covers, in each
--   period ending on or after its decision — the periods in which they are out of overdue counts,
--   alerts and rule deductions (never out of the lake).
-- grain: one row per exempted ledger row (submission_id, source_sheet, source_row).
-- An exemption covers the rows of the unit it names (its own ledgers, not its counties') whose
-- title matches its item after normalisation (lower-cased, no whitespace, punctuation or
-- symbols): equal, or one containing the other when the shorter has at least 8 characters — or,
-- for a task row of a period in the decision's year, whose 序号 is the item (punctuation and
-- leading zeros aside: "2", "2.", "02"), when no other row of its ledger has that 序号 (a 序号
-- numbers that year's tasks ledger: the same number in a rectification ledger, or next year, is
-- another item; one that sections restart names nothing). A row two exemptions cover takes the
-- earlier decision. An exemption by 序号 does not follow its task into the next year: name the
-- title for that.
-- columns:
--   period 周期 / the row's period (its end is on or after the decision)
--   item_kind 事项类型 / task or rectification
--   region_code 单位代码 / the unit whose ledger holds the row (the exemption's unit)
--   submission_id 报送编号 / the submission (file) the row came from
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   source_cell 单元格 / A1 reference of the row's task or problem cell
--   title 事项 / the task or problem as written
--   decided_on 认定时间 / the exemption's decision date
--   decision_no 认定文号 / the exemption's decision number
--   exemption_ref 认定来源 / <file_name>!<sheet>!<cell> of the exemption's 免责事项 cell
--   was_overdue 本应逾期 / due (deadline_on ≤ E) and not done: what overdue_open would have counted
--   was_major_overdue 本应重大逾期 / was_overdue and a major task (the alert overdue_major_task)
with exemptions as (
    select * from int_office_listings
    where kind = 'exemptions' and is_counted
),

periods as (
    select * from int_periods
),

-- Only the units an exemption names: their rows are all this model can match, and keying every
-- task row of a national quarter (a regular expression and a window over each) took 2.4 s of a
-- four-quarter build that had no exemption at all. Every row of such a unit is kept, so a 序号's
-- uniqueness within its ledger is counted over the whole ledger.
exempted_units as (
    select distinct unit_code from exemptions
),

items as (
    select
        'task' as item_kind,
        period,
        region_code,
        submission_id,
        source_sheet,
        source_row,
        source_cell,
        seq,
        task as title,
        deadline_on,
        status,
        coalesce(is_major, false) as is_major
    from stg_tasks
    where region_code in (select unit_code from exempted_units)
    union all
    select
        'rectification',
        period,
        region_code,
        submission_id,
        source_sheet,
        source_row,
        source_cell,
        seq,
        problem,
        deadline_on,
        status,
        false
    from stg_rectifications
    where region_code in (select unit_code from exempted_units)
),

keyed as (
    select
        items.*,
        periods.period_end,
        regexp_replace(lower(items.title), '[\s\p{P}\p{S}]+', '', 'g') as title_key,
        -- 序号 as a key: "2", "2.", "2、", "（2）" and "02" are one number.
        regexp_replace(regexp_replace(items.seq, '[\s\p{P}\p{S}]+', '', 'g'), '^0+', '') as seq_key
    from items
    inner join periods
        using (period)
),

numbered as (
    select
        keyed.*,
        -- A 序号 that numbers more than one row of the ledger (sections
        -- restarting at 1) names none of them.
        count(*) over (partition by submission_id, item_kind, seq_key) = 1 as seq_is_unique
    from keyed
),

matched as (
    select
        keyed.*,
        exemptions.on_date as decided_on,
        exemptions.document_no as decision_no,
        exemptions.source_ref as exemption_ref
    from numbered as keyed
    inner join exemptions
        on exemptions.unit_code = keyed.region_code
        and exemptions.on_date <= keyed.period_end
        and (
            keyed.title_key = exemptions.title_key
            or (
                least(length(keyed.title_key), length(exemptions.title_key)) >= 8
                and (
                    contains(keyed.title_key, exemptions.title_key)
                    or contains(exemptions.title_key, keyed.title_key)
                )
            )
            or (
                keyed.item_kind = 'task'
                and keyed.seq_is_unique
                and keyed.seq_key <> ''
                and year(keyed.period_end) = year(exemptions.on_date)
                and keyed.seq_key = regexp_replace(exemptions.title_key, '^0+', '')
            )
        )
),

chosen as (
    select
        *,
        row_number() over (
            partition by submission_id, source_sheet, source_row
            order by decided_on, exemption_ref
        ) as choice
    from matched
)

select
    period,
    item_kind,
    region_code,
    submission_id,
    source_sheet,
    source_row,
    source_cell,
    title,
    decided_on,
    decision_no,
    exemption_ref,
    coalesce(deadline_on <= period_end, false) and coalesce(status <> 'done', true) as was_overdue,
    coalesce(deadline_on <= period_end, false) and coalesce(status <> 'done', true) and is_major as was_major_overdue
from chosen
where choice = 1
