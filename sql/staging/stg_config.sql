-- stg_config: the workspace's settings (taizhang.toml) the models read (配置).
-- grain: one row.
-- columns:
--   grace_days 报送宽限天数 / days after the period's end a submission is still on time
--   satisfaction_rate 满意率口径 / `standard` (satisfied + basically) or `strict` (satisfied only)
--   w_satisfied 满意权重 / weight of a satisfied vote in the score
--   w_basically_satisfied 基本满意权重 / weight of a basically satisfied vote
--   w_unsatisfied 不满意权重 / weight of an unsatisfied vote
--   low_sample 最低有效票 / valid votes below which a result is a low sample
select * from raw_config
