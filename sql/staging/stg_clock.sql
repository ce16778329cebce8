-- stg_clock: the time the warehouse's figures are as of (截至时间): the build's --as-of time, else
--   the moment the build started — what "due by now" means for the models that ask it.
-- grain: one row.
-- columns:
--   as_of 截至时间 / the as-of instant
--   as_of_on 截至日期 / its calendar date in UTC+8
select
    as_of,
    cast(make_timestamp(epoch_us(as_of) + 28800000000) as date) as as_of_on
from raw_clock
