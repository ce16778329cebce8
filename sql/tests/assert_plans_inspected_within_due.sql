-- A plan counts as inspected only when it was due (mart_inspections.plans_inspected ≤ plans_due),
-- and every figure of mart_inspections that counts a subset of its inspections stays within them.
select year, scope_code, 'plans_inspected > plans_due' as broken, plans_inspected as value, plans_due as bound
from mart_inspections
where plans_inspected > plans_due
union all
select year, scope_code, 'onsite > inspections', onsite, inspections
from mart_inspections
where onsite > inspections
union all
select year, scope_code, 'findings_noticed > inspections_with_findings', findings_noticed, inspections_with_findings
from mart_inspections
where findings_noticed > inspections_with_findings
union all
select year, scope_code, 'inspections_with_findings > inspections', inspections_with_findings, inspections
from mart_inspections
where inspections_with_findings > inspections
