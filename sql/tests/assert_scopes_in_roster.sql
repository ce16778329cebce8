-- Every scope a mart reports on is a unit of the roster.
select distinct 'mart_task_completion' as model, scope_code
from mart_task_completion
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_submission_coverage', scope_code
from mart_submission_coverage
where scope_code not in (select code from stg_roster)
