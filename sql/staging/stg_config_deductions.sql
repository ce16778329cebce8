-- stg_config_deductions: the annual assessment's deduction rules ([assessment.deductions]).
-- grain: one row per rule.
-- columns:
--   rule 扣分规则 / per_unsubmitted_quarter, per_late_quarter, per_overdue_major_task,
--     per_group_quarter_without_meeting, per_review_missed or per_finding_without_notice
--   points 每次扣分 / the points one failure costs (0: the rule costs nothing)
select * from raw_config_deductions
