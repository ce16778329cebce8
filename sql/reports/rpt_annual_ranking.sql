-- rpt_annual_ranking: the report's ranking of the annual assessment (年度绩效考核排名), per level and
--   department category, as mart_annual_assessment.
-- grain: one row per (year, scope_code) of mart_annual_assessment.
-- columns:
--   year 年度 / the year assessed
--   row_order 排序 / level (cities, counties, departments by category), then rank, then code
--   series_zh 考核序列 / 市（州）, 县（市、区）, 省直党群部门, 省政府部门 or 省直部门
--   unit_name 单位 / the unit
--   quarters_expected 考核季度数 / quarters the base score averages
--   base_score 基础得分 / mean of the quarters' composite scores (a missing quarter counts 0)
--   deductions_ledger 台账扣分 / the reform office's deductions ledger
--   deductions_rules 规则扣分 / the [assessment.deductions] rules
--   deductions 扣分合计 / their sum, at most the cap
--   deductions_capped 扣分封顶 / the cap applied
--   final_score 最终得分 / base_score − deductions
--   rank 排名 / within the series; ties share a rank
--   passed 达标 / final_score ≥ pass_score (blank when unset)
--   named 点名通报 / named in the assessment
--   accountability_events 问责次数 / accountability events of the year
--   exemptions 容错免责数 / exemptions decided in the year
--   scope_code 代码 / the unit's code (the portal's links to trace; the workbook hides it)
with assessment as (
    select * from mart_annual_assessment
)

select
    assessment.year,
    row_number() over (
        order by
            assessment.year,
            case assessment.scope_level when 'city' then 1 when 'county' then 2 else 3 end,
            assessment.category nulls first,
            assessment.rank,
            assessment.scope_code
    ) as row_order,
    case assessment.scope_level
        when 'city' then '市（州）'
        when 'county' then '县（市、区）'
        else case assessment.category
            when 'party' then '省直党群部门'
            when 'government' then '省政府部门'
            else '省直部门'
        end
    end as series_zh,
    roster.name as unit_name,
    assessment.quarters_expected,
    assessment.base_score,
    assessment.deductions_ledger,
    assessment.deductions_rules,
    assessment.deductions,
    assessment.deductions_capped,
    assessment.final_score,
    assessment.rank,
    assessment.passed,
    assessment.named,
    assessment.accountability_events,
    assessment.exemptions,
    assessment.scope_code
from assessment
inner join stg_roster as roster
    on roster.code = assessment.scope_code
