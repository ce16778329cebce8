-- Every rate lies in [0, 1] (or is null for an empty denominator).
select 'mart_submission_coverage' as model, period, scope_code, 'coverage_rate' as rate, coverage_rate as value
from mart_submission_coverage where coverage_rate not between 0 and 1
union all
select 'mart_submission_coverage', period, scope_code, 'on_time_rate', on_time_rate
from mart_submission_coverage where on_time_rate not between 0 and 1
union all
select 'mart_task_completion', period, scope_code, 'completion_rate', completion_rate
from mart_task_completion where completion_rate not between 0 and 1
union all
select 'mart_task_completion', period, scope_code, 'on_time_rate', on_time_rate
from mart_task_completion where on_time_rate not between 0 and 1
union all
select 'mart_task_completion', period, scope_code, 'major_completion_rate', major_completion_rate
from mart_task_completion where major_completion_rate not between 0 and 1
union all
select 'mart_task_ownership', period, scope_code, 'ownership_rate', ownership_rate
from mart_task_ownership where ownership_rate not between 0 and 1
