-- mart_annual_assessment: the annual assessment (年度绩效考核): base score, deductions, final
--   score, rank, pass and 点名通报 of every city, county and provincial department.
-- grain: one row per (year, scope_code), for every city, county and department valid in an
--   assessed quarter of the year (int_assessment_units); the province is not assessed.
-- Scores are kept to two decimals (保留两位小数), so equal scores tie. Departments are ranked
-- among themselves, within their roster category (party, government) when it is given.
-- columns:
--   year 年度 / the year assessed
--   scope_code 单位代码 / the unit assessed
--   scope_level 单位层级 / city, county or department
--   category 部门类别 / a department's series: party or government; null for a region, or when
--     the roster gives none (one series)
--   quarters_expected 应考核季度数 / assessed quarters in which the unit was valid
--   base_score 基础得分 / mean of mart_scorecard.composite_score over those quarters, a quarter
--     with no score counting 0; two decimals
--   deductions_ledger 台账扣分 / the points of the reform office's deductions ledger
--     (mart_assessment_deductions, origin ledger)
--   deductions_rules 规则扣分 / the points of the [assessment.deductions] rules (origin rule)
--   deductions 扣分合计 / deductions_ledger + deductions_rules, at most [assessment.deductions]
--     cap when set
--   deductions_capped 扣分封顶 / the cap made deductions less than their sum
--   final_score 最终得分 / base_score − deductions, two decimals
--   rank 排名 / rank() by final_score descending within (year, scope_level, category); ties share
--     a rank and the next is skipped (1, 1, 3)
--   rank_from_bottom 倒数名次 / rank() by final_score ascending within the same series
--   series_units 序列单位数 / units in the series (year, scope_level, category)
--   passed 达标 / final_score ≥ [assessment] pass_score; null when unset
--   named 点名通报 / not passed, or rank_from_bottom ≤ [assessment] name_bottom in a series of
--     more than name_bottom units (a series no larger would be named whole), or deductions ≥
--     [assessment] name_if_deductions_at_least
--   named_reasons 点名原因 / why, in Chinese (each rule the unit meets, with its figures); null
--     when not named
--   accountability_events 问责次数 / counted accountability rows naming the unit that year
--   exemptions 容错免责数 / counted exemptions naming the unit, decided that year
with units as (
    select * from int_assessment_units
),

config as (
    select * from stg_config
),

scores as (
    select
        units.year,
        units.unit_code,
        any_value(units.unit_level) as scope_level,
        any_value(units.category) as category,
        count(*) as quarters_expected,
        sum(coalesce(scorecard.composite_score, 0)) as score_sum
    from units
    left join mart_scorecard as scorecard
        on scorecard.period = units.period
        and scorecard.scope_code = units.unit_code
    group by units.year, units.unit_code
),

deductions as (
    select
        year,
        scope_code as unit_code,
        sum(points) filter (where origin = 'ledger') as deductions_ledger,
        sum(points) filter (where origin = 'rule') as deductions_rules
    from mart_assessment_deductions
    group by year, scope_code
),

listings as (
    select
        year,
        unit_code,
        count(*) filter (where kind = 'accountability') as accountability_events,
        count(*) filter (where kind = 'exemptions') as exemptions
    from int_office_listings
    where is_counted
    group by year, unit_code
),

scored as (
    select
        scores.year,
        scores.unit_code as scope_code,
        scores.scope_level,
        scores.category,
        scores.quarters_expected,
        round(scores.score_sum / scores.quarters_expected, 2) as base_score,
        round(coalesce(deductions.deductions_ledger, 0), 2) as deductions_ledger,
        round(coalesce(deductions.deductions_rules, 0), 2) as deductions_rules,
        round(coalesce(deductions.deductions_ledger, 0) + coalesce(deductions.deductions_rules, 0), 2) as deductions_total,
        coalesce(listings.accountability_events, 0) as accountability_events,
        coalesce(listings.exemptions, 0) as exemptions
    from scores
    left join deductions
        on deductions.year = scores.year
        and deductions.unit_code = scores.unit_code
    left join listings
        on listings.year = scores.year
        and listings.unit_code = scores.unit_code
),

capped as (
    select
        scored.*,
        case
            when config.deductions_cap is not null and scored.deductions_total > config.deductions_cap
                then round(config.deductions_cap, 2)
            else scored.deductions_total
        end as deductions,
        coalesce(config.deductions_cap is not null and scored.deductions_total > config.deductions_cap, false)
            as deductions_capped
    from scored
    cross join config
),

finals as (
    select
        capped.*,
        round(capped.base_score - capped.deductions, 2) as final_score
    from capped
),

ranked as (
    select
        finals.*,
        rank() over (
            partition by year, scope_level, category order by final_score desc
        ) as rank,
        rank() over (
            partition by year, scope_level, category order by final_score asc
        ) as rank_from_bottom,
        count(*) over (partition by year, scope_level, category) as series_units
    from finals
),

judged as (
    select
        ranked.*,
        case when config.pass_score is not null then ranked.final_score >= config.pass_score end as passed,
        concat_ws(
            '；',
            case
                when ranked.final_score < config.pass_score
                    then '最终得分' || printf('%.2f', ranked.final_score) || '低于达标线' || printf('%.2f', config.pass_score)
            end,
            case
                when ranked.rank_from_bottom <= config.name_bottom and ranked.series_units > config.name_bottom
                    then '位列' || case ranked.scope_level
                        when 'city' then '市（州）'
                        when 'county' then '县（市、区）'
                        else case ranked.category
                            when 'party' then '省直党群部门'
                            when 'government' then '省政府部门'
                            else '省直部门'
                        end
                    end || '末' || cast(config.name_bottom as varchar) || '名（倒数第'
                    || cast(ranked.rank_from_bottom as varchar) || '名，最终得分' || printf('%.2f', ranked.final_score) || '）'
            end,
            case
                when ranked.deductions >= config.name_if_deductions_at_least
                    then '扣分' || printf('%.2f', ranked.deductions) || '达到点名线'
                    || printf('%.2f', config.name_if_deductions_at_least)
            end
        ) as reasons
    from ranked
    cross join config
)

select
    year,
    scope_code,
    scope_level,
    category,
    quarters_expected,
    base_score,
    deductions_ledger,
    deductions_rules,
    deductions,
    deductions_capped,
    final_score,
    rank,
    rank_from_bottom,
    series_units,
    passed,
    reasons <> '' as named,
    nullif(reasons, '') as named_reasons,
    accountability_events,
    exemptions
from judged
order by year, scope_level, category, rank, scope_code
