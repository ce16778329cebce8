-- Each mart has one row per its grain: (period, scope_code), and kind in coverage; (year,
-- scope_code) in mart_inspections, mart_annual_assessment and mart_assignment_docking; (year,
-- scope_code, item, decision_no) in mart_exemptions; (year, scope_code, leader) in mart_leaders.
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
union all
select 'mart_rectification', period, scope_code, null, count(*)
from mart_rectification
group by period, scope_code
having count(*) > 1
union all
select 'mart_pilots', period, scope_code, null, count(*)
from mart_pilots
group by period, scope_code
having count(*) > 1
union all
select 'mart_plan_supervision', period, scope_code, null, count(*)
from mart_plan_supervision
group by period, scope_code
having count(*) > 1
union all
select 'mart_ledger_change_counts', period, scope_code, null, count(*)
from mart_ledger_change_counts
group by period, scope_code
having count(*) > 1
union all
select 'mart_satisfaction', period, scope_code, null, count(*)
from mart_satisfaction
group by period, scope_code
having count(*) > 1
union all
select 'mart_scorecard', period, scope_code, null, count(*)
from mart_scorecard
group by period, scope_code
having count(*) > 1
union all
select 'mart_inspections', cast(year as varchar), scope_code, null, count(*)
from mart_inspections
group by year, scope_code
having count(*) > 1
union all
select 'mart_annual_assessment', cast(year as varchar), scope_code, null, count(*)
from mart_annual_assessment
group by year, scope_code
having count(*) > 1
union all
select 'mart_exemptions', cast(year as varchar), scope_code, item || ' ' || decision_no, count(*)
from mart_exemptions
group by year, scope_code, item, decision_no
having count(*) > 1
union all
select 'mart_assignment_docking', cast(year as varchar), scope_code, null, count(*)
from mart_assignment_docking
group by year, scope_code
having count(*) > 1
union all
select 'mart_leaders', cast(year as varchar), scope_code, leader, count(*)
from mart_leaders
group by year, scope_code, leader
having count(*) > 1
