-- Every scope a mart reports on is a unit of the roster.
select distinct 'mart_submission_coverage' as model, scope_code
from mart_submission_coverage
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_task_completion', scope_code
from mart_task_completion
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_task_ownership', scope_code
from mart_task_ownership
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_rectification', scope_code
from mart_rectification
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_pilots', scope_code
from mart_pilots
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_plan_supervision', scope_code
from mart_plan_supervision
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_satisfaction', scope_code
from mart_satisfaction
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_scorecard', scope_code
from mart_scorecard
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_alerts', scope_code
from mart_alerts
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_inspections', scope_code
from mart_inspections
where scope_code not in (select code from stg_roster)
union all
select distinct 'mart_annual_assessment', scope_code
from mart_annual_assessment
where scope_code not in (select code from stg_roster)
