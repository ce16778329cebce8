-- A unit is named (点名通报) in the annual assessment exactly when it meets a naming rule of
-- [assessment]: its final score is below pass_score; fewer than name_bottom units of its series
-- (year, level, department category) scored strictly less, in a series of more than name_bottom
-- units; or its deductions reach name_if_deductions_at_least. Both ways are checked: a named unit
-- meeting no rule, and a unit meeting one that was not named.
with assessment as (
    select * from mart_annual_assessment
),

lower_scores as (
    select
        unit.year,
        unit.scope_code,
        count(other.scope_code) filter (where other.final_score < unit.final_score) as below,
        count(other.scope_code) as series
    from assessment as unit
    inner join assessment as other
        on other.year = unit.year
        and other.scope_level = unit.scope_level
        and other.category is not distinct from unit.category
    group by unit.year, unit.scope_code
),

judged as (
    select
        assessment.year,
        assessment.scope_code,
        assessment.final_score,
        assessment.deductions,
        assessment.named,
        coalesce(assessment.final_score < config.pass_score, false) as below_pass,
        coalesce(lower_scores.below < config.name_bottom and lower_scores.series > config.name_bottom, false) as at_bottom,
        coalesce(assessment.deductions >= config.name_if_deductions_at_least, false) as deducted
    from assessment
    cross join stg_config as config
    inner join lower_scores
        using (year, scope_code)
)

select *
from judged
where named <> (below_pass or at_bottom or deducted)
