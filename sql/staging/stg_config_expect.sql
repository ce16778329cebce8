-- stg_config_expect: which levels of unit are expected to send each kind ([expect] in taizhang.toml, 应报).
-- grain: one row per (kind, level).
-- columns:
--   kind 台账类型 / the ledger kind
--   level 单位层级 / a unit level expected to send it
select * from raw_config_expect
