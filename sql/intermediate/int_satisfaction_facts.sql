-- int_satisfaction_facts: each current survey item (测评项目) with its vote counts.
-- grain: one row per survey row of a current submission (submission_id, source_sheet, source_row).
-- 不了解/说不清 votes are kept but are not valid votes.
-- columns:
--   period 周期 / the row's period
--   region_code 填报单位代码 / the unit whose ledger holds the row
--   submission_id 报送编号 / the submission (file) the row came from
--   source_sheet 工作表 / sheet name
--   source_row 行号 / 1-based Excel row
--   source_cell 单元格 / A1 reference of the item cell
--   item 测评项目 / the survey item
--   satisfied 满意票 / satisfied votes (非常满意 and 满意 folded in)
--   basically_satisfied 基本满意票 / basically satisfied votes (比较满意, 一般 folded in)
--   unsatisfied 不满意票 / unsatisfied votes
--   unknown 不了解票 / 不了解/说不清 votes, not valid
--   valid 有效票 / satisfied + basically_satisfied + unsatisfied
select
    period,
    region_code,
    submission_id,
    source_sheet,
    source_row,
    source_cell,
    item,
    coalesce(satisfied, 0) as satisfied,
    coalesce(basically_satisfied, 0) as basically_satisfied,
    coalesce(unsatisfied, 0) as unsatisfied,
    coalesce(unknown, 0) as unknown,
    coalesce(satisfied, 0) + coalesce(basically_satisfied, 0) + coalesce(unsatisfied, 0) as valid
from stg_satisfaction
