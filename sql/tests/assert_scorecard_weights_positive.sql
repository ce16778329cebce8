-- The scorecard's weights ([scorecard.weights], [scorecard.department_weights]) are none negative
-- and sum to a positive number for every assessed level.
select 'weights of ' || scope_level || ' sum to ' || coalesce(sum(weight), 0) as problem
from stg_config_weights
group by scope_level
having coalesce(sum(weight), 0) <= 0
union all
select 'negative weight for ' || scope_level || ' ' || indicator
from stg_config_weights
where weight < 0
