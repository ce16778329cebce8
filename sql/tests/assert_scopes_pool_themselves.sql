-- Every scope pools itself: the marts group int_scope_units joined to their facts and rely on
-- this row to report a scope that has no facts at all (rather than dropping it).
select scopes.period, scopes.scope_code
from int_scopes as scopes
left join int_scope_units as members
    on members.period = scopes.period
    and members.scope_code = scopes.scope_code
    and members.unit_code = scopes.scope_code
where members.unit_code is null
