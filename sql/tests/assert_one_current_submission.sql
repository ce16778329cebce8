-- A (kind, region_code, period) has at most one current submission.
select
    kind,
    region_code,
    period,
    count(*) as current_submissions
from stg_submissions
where is_current
group by kind, region_code, period
having count(*) > 1
