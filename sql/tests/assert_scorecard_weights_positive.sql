-- The scorecard's weights ([scorecard.weights]) are none negative and sum to a positive number.
select 'weights sum to ' || coalesce(sum(weight), 0) as problem
from stg_config_weights
having coalesce(sum(weight), 0) <= 0
union all
select 'negative weight for ' || indicator
from stg_config_weights
where weight < 0
