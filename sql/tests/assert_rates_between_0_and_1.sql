-- Every rate and indicator lies in [0, 1] (or is null for an empty denominator); scores in [0, 100].
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
union all
select 'mart_rectification', period, scope_code, 'closure_rate', closure_rate
from mart_rectification where closure_rate not between 0 and 1
union all
select 'mart_pilots', period, scope_code, 'overterm_rate', overterm_rate
from mart_pilots where overterm_rate not between 0 and 1
union all
select 'mart_pilots', period, scope_code, 'setup_rate', setup_rate
from mart_pilots where setup_rate not between 0 and 1
union all
select 'mart_pilots', period, scope_code, 'filed_rate', filed_rate
from mart_pilots where filed_rate not between 0 and 1
union all
select 'mart_plan_supervision', period, scope_code, 'supervision_coverage', supervision_coverage
from mart_plan_supervision where supervision_coverage not between 0 and 1
union all
select 'mart_satisfaction', period, scope_code, 'satisfaction_rate', satisfaction_rate
from mart_satisfaction where satisfaction_rate not between 0 and 1
union all
select 'mart_satisfaction', period, scope_code, 'ci_low', ci_low
from mart_satisfaction where ci_low not between 0 and 1
union all
select 'mart_satisfaction', period, scope_code, 'ci_high', ci_high
from mart_satisfaction where ci_high not between 0 and 1
union all
select 'mart_scorecard', period, scope_code, 'submission', submission
from mart_scorecard where submission not between 0 and 1
union all
select 'mart_scorecard', period, scope_code, 'completion', completion
from mart_scorecard where completion not between 0 and 1
union all
select 'mart_scorecard', period, scope_code, 'on_time', on_time
from mart_scorecard where on_time not between 0 and 1
union all
select 'mart_scorecard', period, scope_code, 'ownership', ownership
from mart_scorecard where ownership not between 0 and 1
union all
select 'mart_scorecard', period, scope_code, 'rectification', rectification
from mart_scorecard where rectification not between 0 and 1
union all
select 'mart_scorecard', period, scope_code, 'pilots', pilots
from mart_scorecard where pilots not between 0 and 1
union all
select 'mart_scorecard', period, scope_code, 'satisfaction', satisfaction
from mart_scorecard where satisfaction not between 0 and 1
union all
select 'mart_inspections', cast(year as varchar), scope_code, 'desk_share', desk_share
from mart_inspections where desk_share not between 0 and 1
union all
select 'mart_inspections', cast(year as varchar), scope_code, 'plan_inspection_rate', plan_inspection_rate
from mart_inspections where plan_inspection_rate not between 0 and 1
union all
select 'mart_satisfaction', period, scope_code, 'score', score
from mart_satisfaction where score not between 0 and 100
union all
select 'mart_scorecard', period, scope_code, 'composite_score', composite_score
from mart_scorecard where composite_score not between 0 and 100
union all
select 'mart_satisfaction', period, scope_code, 'ci_low <= satisfaction_rate <= ci_high', satisfaction_rate
from mart_satisfaction where not (ci_low <= satisfaction_rate + 1e-12 and satisfaction_rate <= ci_high + 1e-12)
