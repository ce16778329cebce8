-- Each mart has one row per its grain.
select 'mart_submission_coverage' as model, period, scope_code, kind, count(*) as n
from mart_submission_coverage
group by period, scope_code, kind
having count(*) > 1
union all
select 'mart_task_completion', period, scope_code, null, count(*)
from mart_task_completion
group by period, scope_code
having count(*) > 1
union all
select 'mart_task_ownership', period, scope_code, null, count(*)
from mart_task_ownership
group by period, scope_code
having count(*) > 1
