-- stg_config_weights: the scorecard's indicator weights ([scorecard.weights], 指标权重).
-- grain: one row per indicator.
-- columns:
--   indicator 指标 / submission, completion, on_time, ownership, rectification, pilots, satisfaction
--   weight 权重 / its weight in the composite score
select * from raw_config_weights
