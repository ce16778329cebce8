-- The annual assessment's arithmetic (DESIGN §14), recomputed from its parts: base_score is the
-- mean of mart_scorecard.composite_score over the unit's assessed quarters (a quarter with no
-- score counting 0); deductions is the sum of the unit's mart_assessment_deductions, at most
-- [assessment.deductions] cap; final_score = base_score − deductions. Scores are kept to two
-- decimals, so a difference of half a hundredth is a failure.
with recomputed_base as (
    select
        units.year,
        units.unit_code as scope_code,
        avg(coalesce(scorecard.composite_score, 0)) as base
    from int_assessment_units as units
    left join mart_scorecard as scorecard
        on scorecard.period = units.period
        and scorecard.scope_code = units.unit_code
    group by units.year, units.unit_code
),

recomputed_deductions as (
    select year, scope_code, sum(points) as total
    from mart_assessment_deductions
    group by year, scope_code
),

checked as (
    select
        assessment.year,
        assessment.scope_code,
        assessment.base_score,
        recomputed_base.base,
        assessment.deductions,
        coalesce(recomputed_deductions.total, 0) as total,
        config.deductions_cap as cap,
        assessment.final_score
    from mart_annual_assessment as assessment
    cross join stg_config as config
    left join recomputed_base
        using (year, scope_code)
    left join recomputed_deductions
        using (year, scope_code)
)

select *, 'final_score ≠ base_score − deductions' as broken
from checked
where abs(final_score - (base_score - deductions)) > 0.005
union all
select *, 'deductions ≠ the capped sum of mart_assessment_deductions'
from checked
where abs(deductions - least(total, coalesce(cap, total))) > 0.005
union all
select *, 'base_score ≠ the mean of the quarters'' scores'
from checked
where base is null or abs(base_score - base) > 0.005
