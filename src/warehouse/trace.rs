//! Traceability (可核实): the ledger rows behind a mart's figure.
//!
//! Each row-based mart counts flags of an intermediate fact model whose
//! columns are named after the mart's count columns (`int_task_facts.tasks_due`
//! feeds `mart_task_completion.tasks_due`). Tracing a count lists the rows
//! whose flag is true; tracing a rate lists its denominator's rows with every
//! flag shown, so the numerator can be counted off the same listing.

use duckdb::Connection;

use crate::error::{Error, Result};
use crate::warehouse::sql_string;

/// How one mart's figures lead back to rows.
struct Lineage {
    mart: &'static str,
    source: Source,
    /// Rate columns and the column (or `None` for all rows) whose rows they divide by.
    rates: &'static [(&'static str, Option<&'static str>)],
    /// Count columns computed from all rows (no flag).
    totals: &'static [&'static str],
}

enum Source {
    /// Ledger rows: the fact model and the staging model with the values.
    Rows {
        facts: &'static str,
        staging: &'static str,
    },
    /// Expected units and their first submission.
    Coverage,
    /// The indicators, weights and the marts they come from.
    Scorecard,
    /// The alert rows themselves, which carry their source_ref (for
    /// `rpt_alert_counts`, those of the count's type).
    Alerts,
    /// The changes between ledgers, each with its old and new cell.
    Changes,
    /// A unit's meetings in the quarter, body by body.
    Meetings,
    /// A unit's publicity events of the period's year.
    Publicity,
    /// A unit's typical cases of the period's year.
    Cases,
    /// The inspections of the units a scope pools in the period's year
    /// (`int_inspections`), or for the plan columns the plans due for the
    /// year's inspection (`int_inspection_plans`).
    Inspections,
    /// The annual assessment of a unit in the period's year: its deduction
    /// lines (`mart_assessment_deductions`), the quarters its base score
    /// averages, its series for a rank or naming, or the office's listings
    /// behind its accountability and exemption counts.
    Annual,
    /// The rows each exemption of the unit's year took out of the overdue
    /// counts (`int_exempted_rows`).
    Exemptions,
    /// The assignments of the units a scope pools in the year, found or not
    /// (`int_assignments`).
    Assignments,
    /// The tasks of the unit's latest ledger of the year naming each leader.
    Leaders,
}

const LINEAGE: &[Lineage] = &[
    Lineage {
        mart: "mart_task_completion",
        source: Source::Rows {
            facts: "int_task_facts",
            staging: "stg_tasks",
        },
        rates: &[
            ("completion_rate", Some("tasks_due")),
            ("on_time_rate", Some("tasks_due")),
            ("major_completion_rate", Some("major_due")),
        ],
        totals: &["tasks_total"],
    },
    Lineage {
        mart: "mart_task_ownership",
        source: Source::Rows {
            facts: "int_task_facts",
            staging: "stg_tasks",
        },
        rates: &[("ownership_rate", None)],
        totals: &["tasks_total"],
    },
    Lineage {
        mart: "mart_rectification",
        source: Source::Rows {
            facts: "int_rectification_facts",
            staging: "stg_rectifications",
        },
        rates: &[("closure_rate", Some("items_due"))],
        totals: &["items_total"],
    },
    Lineage {
        mart: "mart_pilots",
        source: Source::Rows {
            facts: "int_pilot_facts",
            staging: "stg_pilots",
        },
        rates: &[
            ("overterm_rate", Some("pilots_active")),
            ("setup_rate", Some("pilots_active")),
            ("filed_rate", Some("pilots_active")),
        ],
        totals: &[],
    },
    Lineage {
        mart: "mart_plan_supervision",
        source: Source::Rows {
            facts: "int_plan_facts",
            staging: "stg_plans",
        },
        rates: &[
            ("supervision_coverage", Some("plans_in_scope")),
            ("review_rate", Some("plans_issued")),
        ],
        totals: &[],
    },
    Lineage {
        mart: "mart_satisfaction",
        source: Source::Rows {
            facts: "int_satisfaction_facts",
            staging: "stg_satisfaction",
        },
        // Every figure sums the votes of all rows.
        rates: &[
            ("satisfaction_rate", None),
            ("score", None),
            ("ci_low", None),
            ("ci_high", None),
            ("low_sample", None),
        ],
        totals: &["valid", "satisfied", "basically_satisfied", "unsatisfied"],
    },
    Lineage {
        mart: "mart_submission_coverage",
        source: Source::Coverage,
        rates: &[("coverage_rate", None), ("on_time_rate", None)],
        totals: &["expected_units"],
    },
    Lineage {
        mart: "mart_scorecard",
        source: Source::Scorecard,
        rates: &[],
        totals: &[],
    },
    Lineage {
        mart: "mart_ledger_change_counts",
        source: Source::Changes,
        rates: &[],
        totals: &["changes_total"],
    },
    Lineage {
        mart: "mart_meeting_compliance",
        source: Source::Meetings,
        rates: &[],
        totals: &["meetings"],
    },
    Lineage {
        mart: "mart_publicity",
        source: Source::Publicity,
        rates: &[("minimum_met", Some("press_conferences"))],
        totals: &["events"],
    },
    Lineage {
        mart: "mart_typical_cases",
        source: Source::Cases,
        rates: &[
            ("from_pilots_share", None),
            ("minimum_met", None),
            ("pilots_with_case", Some("from_pilots")),
            ("pilots_in_ledger", Some("from_pilots")),
        ],
        totals: &["cases"],
    },
    Lineage {
        mart: "mart_inspections",
        source: Source::Inspections,
        rates: &[
            ("desk_share", None),
            ("plan_inspection_rate", Some("plans_due")),
        ],
        totals: &["inspections"],
    },
    Lineage {
        mart: "mart_annual_assessment",
        source: Source::Annual,
        rates: &[],
        totals: &[],
    },
    Lineage {
        mart: "mart_exemptions",
        source: Source::Exemptions,
        rates: &[],
        totals: &["rows_covered"],
    },
    Lineage {
        mart: "mart_assignment_docking",
        source: Source::Assignments,
        rates: &[],
        totals: &["assigned"],
    },
    Lineage {
        mart: "mart_leaders",
        source: Source::Leaders,
        rates: &[],
        totals: &["tasks"],
    },
    Lineage {
        mart: "mart_alerts",
        source: Source::Alerts,
        rates: &[],
        totals: &[],
    },
    Lineage {
        mart: "rpt_alert_counts",
        source: Source::Alerts,
        rates: &[],
        totals: &["alerts"],
    },
];

/// The marts `trace` knows.
pub fn marts() -> Vec<&'static str> {
    LINEAGE.iter().map(|l| l.mart).collect()
}

/// What to trace.
#[derive(Debug, Clone)]
pub struct Request {
    pub mart: String,
    pub scope: String,
    pub period: String,
    pub column: Option<String>,
    /// Coverage: one ledger kind; alerts: one type of finding (`alert`).
    pub kind: Option<String>,
}

/// The figure's mart row(s) and the source rows behind it.
pub struct TracePlan {
    pub figure_sql: String,
    pub rows_sql: String,
}

/// Builds the two queries of a trace, checking names against the warehouse.
pub fn plan(conn: &Connection, req: &Request) -> Result<TracePlan> {
    let lineage = LINEAGE.iter().find(|l| l.mart == req.mart).ok_or_else(|| {
        Error::Usage(format!(
            "无法追溯 {} / cannot trace {}; traceable marts: {}",
            req.mart,
            req.mart,
            marts().join(", ")
        ))
    })?;
    let columns = mart_columns(conn, lineage.mart)?;
    if let Some(c) = &req.column
        && !columns.contains(c)
    {
        return Err(Error::Usage(format!(
            "{} 没有列 {c} / {} has no column {c}; columns: {}",
            lineage.mart,
            lineage.mart,
            columns.join(", ")
        )));
    }
    let scope = sql_string(&req.scope);
    let period = sql_string(&req.period);
    let kind_filter = match (&lineage.source, &req.kind) {
        (Source::Coverage, Some(k)) => format!(" and kind = {}", sql_string(k)),
        (Source::Alerts, Some(a)) => format!(" and alert = {}", sql_string(a)),
        _ => String::new(),
    };
    let figure_columns = match &req.column {
        Some(c) => {
            let keys = match lineage.source {
                Source::Coverage => "period, scope_code, scope_level, kind",
                Source::Meetings => "period, scope_code, scope_level, body",
                Source::Alerts => "period, scope_code, alert",
                Source::Publicity
                | Source::Cases
                | Source::Inspections
                | Source::Annual
                | Source::Assignments => "year, scope_code, scope_level",
                Source::Exemptions => "year, scope_code, scope_level, item, decision_no",
                Source::Leaders => "year, scope_code, scope_level, leader",
                _ => "period, scope_code, scope_level",
            };
            format!("{keys}, \"{c}\"")
        }
        None => "*".to_string(),
    };
    // The yearly marts answer for the period's year.
    let year = format!("cast(left({period}, 4) as integer)");
    let when = match lineage.source {
        Source::Publicity
        | Source::Cases
        | Source::Inspections
        | Source::Annual
        | Source::Exemptions
        | Source::Assignments
        | Source::Leaders => format!("year = {year}"),
        _ => format!("period = {period}"),
    };
    let figure_sql = format!(
        "select {figure_columns} from {} where scope_code = {scope} and {when}{kind_filter}",
        lineage.mart
    );
    let flag = flag_for(lineage, req.column.as_deref());
    let rows_sql = match &lineage.source {
        Source::Rows { facts, staging } => {
            let flags: Vec<String> = mart_columns(conn, facts)?
                .into_iter()
                .filter(|c| {
                    !matches!(
                        c.as_str(),
                        "period"
                            | "region_code"
                            | "submission_id"
                            | "source_sheet"
                            | "source_row"
                            | "source_cell"
                    )
                })
                .map(|c| format!("facts.\"{c}\""))
                .collect();
            let filter = flag.map_or(String::new(), |f| format!(" and facts.\"{f}\""));
            format!(
                "select files.file_name, facts.source_sheet as sheet, facts.source_row as row, \
                 facts.source_cell as cell, facts.region_code, {flags}, \
                 ledger.* exclude (submission_id, region_code, period, source_sheet, source_row, source_cell), \
                 facts.submission_id \
                 from int_scope_units as members \
                 inner join {facts} as facts \
                   on facts.period = members.period and facts.region_code = members.unit_code \
                 inner join {staging} as ledger \
                   on ledger.submission_id = facts.submission_id \
                   and ledger.source_sheet = facts.source_sheet \
                   and ledger.source_row = facts.source_row \
                 inner join (select distinct submission_id, file_name from stg_submissions) as files \
                   on files.submission_id = facts.submission_id \
                 where members.scope_code = {scope} and members.period = {period}{filter} \
                 order by facts.region_code, files.file_name, sheet, row",
                flags = flags.join(", ")
            )
        }
        Source::Coverage => {
            let filter = match flag {
                Some("submitted_units") => " and expected.is_submitted",
                Some("on_time_units") => " and expected.is_on_time",
                _ => "",
            };
            format!(
                "select expected.kind, expected.unit_code, roster.name as unit_name, expected.unit_level, \
                 expected.is_submitted, expected.is_on_time, expected.due_on, \
                 expected.first_received_at, files.file_name as first_file, expected.first_submission_id \
                 from int_scope_units as members \
                 inner join int_expected_submissions as expected \
                   on expected.period = members.period and expected.unit_code = members.unit_code \
                 inner join stg_roster as roster on roster.code = expected.unit_code \
                 left join (select distinct submission_id, file_name from stg_submissions) as files \
                   on files.submission_id = expected.first_submission_id \
                 where members.scope_code = {scope} and members.period = {period}{filter}{} \
                 order by expected.kind, expected.unit_code",
                kind_filter.replace(" kind", " expected.kind")
            )
        }
        // What the score is made of, indicator by indicator
        // (rpt_scorecard_indicators states each one's source and weight).
        Source::Scorecard => format!(
            "select indicator, value, weight, weight_used, source \
             from rpt_scorecard_indicators \
             where scope_code = {scope} and period = {period} \
             order by weight desc nulls last, indicator"
        ),
        Source::Changes => {
            // Each count column is a change type, but for the one that adds a condition.
            let filter = match flag {
                Some("deadline_pushed_back") => {
                    " and changes.change = 'deadline_later' and not changes.has_note".to_string()
                }
                Some(change) => format!(" and changes.change = {}", sql_string(change)),
                None => String::new(),
            };
            format!(
                "select changes.scope_code as unit_code, changes.kind, changes.comparison, changes.row_key, \
                 changes.change, changes.field, changes.old_value, changes.new_value, \
                 changes.old_ref, changes.new_ref, changes.ambiguous, changes.has_note \
                 from int_scope_units as members \
                 inner join mart_ledger_changes as changes \
                   on changes.period = members.period and changes.scope_code = members.unit_code \
                 where members.scope_code = {scope} and members.period = {period}{filter} \
                 order by changes.scope_code, changes.kind, changes.comparison, changes.row_key, changes.change"
            )
        }
        // Every meeting the unit's ledgers list for the quarter, with the
        // listing the mart counts marked (int_meeting_listings' rule).
        Source::Meetings => format!(
            "with quarter as (select make_date(cast(left({period}, 4) as integer), \
               cast(right({period}, 1) as integer) * 3 - 2, 1) as first_day) \
             select listed.body, listed.held_on, listed.file_name, listed.source_sheet as sheet, \
               listed.source_row as row, listed.source_cell as cell, listed.meeting_kind, listed.topics, \
               listed.reports_heard, listed.is_counted as counted \
             from int_meeting_listings as listed cross join quarter \
             where listed.region_code = {scope} \
               and listed.held_on >= quarter.first_day \
               and listed.held_on <= last_day(quarter.first_day + interval 2 month) \
             order by listed.body, listed.held_on, counted desc, listed.file_name, row"
        ),
        // Every listing of the year's events, the one the mart counts marked
        // (int_publicity_listings' rule).
        Source::Publicity => {
            let filter = match flag {
                Some("press_conferences") => " and is_press_conference",
                Some("media_columns") => " and event_kind = '媒体专栏'",
                Some("special_reports") => " and event_kind = '专题报道'",
                _ => "",
            };
            format!(
                "select event, held_on, event_kind, is_press_conference, year, file_name, \
                   source_sheet as sheet, source_row as row, source_cell as cell, outlet, topic, \
                   is_counted as counted \
                 from int_publicity_listings \
                 where region_code = {scope} and year = {year}{filter} \
                 order by held_on, event, counted desc, file_name, row"
            )
        }
        // Every listing of the year's cases, the one the mart counts marked
        // (int_case_listings' rule).
        Source::Cases => {
            let filter = match flag {
                Some(level @ ("national" | "provincial" | "city" | "county")) => {
                    format!(" and recognised_level = '{level}'")
                }
                Some("from_pilots") => " and from_pilot".to_string(),
                _ => String::new(),
            };
            format!(
                "select case_name, recognised_level, recognised_on, from_pilot, pilot, unit, year, \
                   file_name, source_sheet as sheet, source_row as row, source_cell as cell, \
                   is_counted as counted \
                 from int_case_listings \
                 where region_code = {scope} and year = {year}{filter} \
                 order by case_name, counted desc, file_name, row"
            )
        }
        // The listings mart_inspections counts, of every unit the scope pools
        // in the year: each with `counted`, so a figure is the count (for
        // `findings`, the sum) of the counted rows listed.
        Source::Inspections => match flag {
            Some(plans @ ("plans_due" | "plans_inspected")) => format!(
                "select plans.region_code as unit_code, plans.source_ref, plans.plan, plans.issued_on, \
                 plans.closed_on, plans.plans_due, plans.plans_inspected, plans.first_inspected_on, \
                 plans.inspection_ref, plans.period as ledger_period, true as counted \
                 from int_year_scope_units as members \
                 inner join int_inspection_plans as plans \
                   on plans.year = members.year and plans.region_code = members.unit_code \
                 where members.scope_code = {scope} and members.year = {year} and plans.{plans} \
                 order by plans.region_code, plans.source_ref"
            ),
            flag => {
                // A sum of findings lists the inspections that found any.
                let filter = match flag {
                    Some("findings") => " and inspections.inspections_with_findings".to_string(),
                    Some(f) => format!(" and inspections.\"{f}\""),
                    None => String::new(),
                };
                format!(
                    "select inspections.inspected_code as unit_code, inspections.source_ref, \
                     inspections.is_counted as counted, inspections.inspection, inspections.started_on, \
                     inspections.inspector, inspections.inspected_unit, inspections.subject, \
                     inspections.subject_kind, inspections.mode_text, inspections.onsite, \
                     inspections.covert, inspections.joint, inspections.third_party, inspections.findings, \
                     inspections.notice_no, inspections.findings_noticed, inspections.notice_ref, \
                     inspections.report_filed_on, inspections.region_code as listed_by \
                     from int_year_scope_units as members \
                     inner join int_inspections as inspections \
                       on inspections.year = members.year and inspections.inspected_code = members.unit_code \
                     where members.scope_code = {scope} and members.year = {year}{filter} \
                     order by inspections.started_on, inspections.source_ref"
                )
            }
        },
        // A deduction, a base score, a rank or a naming, each to what it
        // stands on; the sums and the ranking are the mart's own (sql/).
        Source::Annual => match req.column.as_deref() {
            Some("base_score" | "quarters_expected") => format!(
                "select units.period, scorecard.composite_score, \
                 coalesce(scorecard.composite_score, 0) as counted_as, \
                 scorecard.composite_score is null as missing \
                 from int_assessment_units as units \
                 left join mart_scorecard as scorecard \
                   on scorecard.period = units.period and scorecard.scope_code = units.unit_code \
                 where units.unit_code = {scope} and units.year = {year} \
                 order by units.period"
            ),
            Some(
                "rank" | "rank_from_bottom" | "series_units" | "passed" | "named" | "named_reasons",
            ) => format!(
                "select series.scope_code, roster.name, series.final_score, series.rank, \
                 series.rank_from_bottom, series.passed, series.named, series.named_reasons, \
                 config.pass_score, config.name_bottom, config.name_if_deductions_at_least \
                 from mart_annual_assessment as unit \
                 inner join mart_annual_assessment as series \
                   on series.year = unit.year and series.scope_level = unit.scope_level \
                   and series.category is not distinct from unit.category \
                 inner join stg_roster as roster on roster.code = series.scope_code \
                 cross join stg_config as config \
                 where unit.scope_code = {scope} and unit.year = {year} \
                 order by series.rank, series.scope_code"
            ),
            Some(kind @ ("accountability_events" | "exemptions")) => {
                let kind = if kind == "exemptions" {
                    "exemptions"
                } else {
                    "accountability"
                };
                format!(
                    "select kind, on_date, title, document_no, ground, decision, source_ref, \
                     is_counted as counted \
                     from int_office_listings \
                     where unit_code = {scope} and year = {year} and kind = '{kind}' \
                     order by on_date, source_ref"
                )
            }
            column => {
                let filter = match column {
                    Some("deductions_ledger") => " and origin = 'ledger'",
                    Some("deductions_rules") => " and origin = 'rule'",
                    _ => "",
                };
                format!(
                    "select origin, rule, period, points, detail, source_ref \
                     from mart_assessment_deductions \
                     where scope_code = {scope} and year = {year}{filter} \
                     order by origin, rule, period, source_ref"
                )
            }
        },
        Source::Exemptions => {
            let filter = match flag {
                Some("overdue_removed") => " and covered.was_overdue",
                Some("alerts_removed") => {
                    " and covered.was_overdue and (covered.was_major_overdue or covered.item_kind = 'rectification')"
                }
                // The rows whose rule points were spared: points_spared_uncapped
                // is their count × per_overdue_major_task; points_removed is
                // what of that the cap let through, shown beside them.
                Some("points_removed" | "points_spared_uncapped") => {
                    " and covered.was_major_overdue and covered.item_kind = 'task' \
                     and exists (select 1 from int_assessment_units as assessed \
                       where assessed.period = covered.period and assessed.unit_code = covered.region_code)"
                }
                _ => "",
            };
            format!(
                "select exemptions.item, exemptions.decision_no, covered.period, covered.item_kind, \
                 covered.title, covered.was_overdue, covered.was_major_overdue, \
                 files.file_name || '!' || covered.source_sheet || '!' || covered.source_cell as source_ref, \
                 covered.exemption_ref, exemptions.points_spared_uncapped, exemptions.points_removed \
                 from mart_exemptions as exemptions \
                 inner join int_exempted_rows as covered \
                   on covered.exemption_ref = exemptions.source_ref \
                 inner join int_periods as periods \
                   on periods.period = covered.period and year(periods.period_end) = exemptions.year \
                 inner join (select distinct submission_id, file_name from stg_submissions) as files \
                   on files.submission_id = covered.submission_id \
                 where exemptions.scope_code = {scope} and exemptions.year = {year}{filter} \
                 order by exemptions.item, covered.period, source_ref"
            )
        }
        Source::Assignments => {
            let filter = match flag {
                Some("found") => " and assignments.found",
                Some("missing") => " and not assignments.found",
                Some("deadline_later") => " and assignments.deadline_later",
                _ => "",
            };
            format!(
                "select assignments.lead_code as unit_code, assignments.task, assignments.deadline_on, \
                 assignments.is_major, assignments.found, assignments.found_title, \
                 assignments.found_deadline_on, assignments.deadline_later, assignments.source_ref, \
                 assignments.found_ref, assignments.is_counted as counted \
                 from int_year_scope_units as members \
                 inner join int_assignments as assignments \
                   on assignments.year = members.year and assignments.lead_code = members.unit_code \
                 where members.scope_code = {scope} and members.year = {year}{filter} \
                 order by assignments.lead_code, assignments.source_ref"
            )
        }
        // The rows of the ledger mart_leaders reads, each with the leader
        // cell as written; the mart folds and splits the names.
        Source::Leaders => {
            let filter = match flag {
                Some("major") => " and coalesce(tasks.is_major, false)",
                Some("done") => " and tasks.status = 'done'",
                Some("overdue_open") => " and facts.overdue_open",
                _ => "",
            };
            format!(
                "select leaders.leader, tasks.leader as written, tasks.task, tasks.is_major, tasks.status, \
                 tasks.deadline_on, facts.overdue_open, facts.exempted, \
                 files.file_name || '!' || tasks.source_sheet || '!' || tasks.source_cell as source_ref \
                 from mart_leaders as leaders \
                 inner join stg_tasks as tasks \
                   on tasks.region_code = leaders.scope_code and tasks.period = leaders.period \
                   and list_contains( \
                     list_transform(regexp_split_to_array(tasks.leader, '[、，,；;/\n\r]+'), \
                       lambda n: regexp_replace(n, '[\\s\\x{{3000}}]+', '', 'g')), \
                     leaders.leader) \
                 inner join int_task_facts as facts \
                   on facts.submission_id = tasks.submission_id \
                   and facts.source_sheet = tasks.source_sheet and facts.source_row = tasks.source_row \
                 inner join (select distinct submission_id, file_name from stg_submissions) as files \
                   on files.submission_id = tasks.submission_id \
                 where leaders.scope_code = {scope} and leaders.year = {year}{filter} \
                 order by leaders.leader, source_ref"
            )
        }
        // Each finding with the sheet and cell of the row it points at and
        // that row's submission, so its workbook can be opened with the cell
        // marked: source_ref is <file_name>!<sheet>!<cell>, the file's name
        // is the submission's and a cell (A1) holds no `!`.
        Source::Alerts => {
            let filter = req.kind.as_ref().map_or(String::new(), |a| {
                format!(" and alerts.alert = {}", sql_string(a))
            });
            format!(
                "select alerts.alert, alerts.detail, alerts.source_ref, files.file_name, \
                 regexp_replace(substr(alerts.source_ref, length(files.file_name) + 2), '![^!]*$', '') as sheet, \
                 case when files.file_name is not null then regexp_extract(alerts.source_ref, '[^!]*$') end as cell, \
                 alerts.submission_id \
                 from mart_alerts as alerts \
                 left join (select distinct submission_id, file_name from stg_submissions) as files \
                   on files.submission_id = alerts.submission_id \
                 where alerts.scope_code = {scope} and alerts.period = {period}{filter} \
                 order by alerts.alert, alerts.source_ref"
            )
        }
    };
    Ok(TracePlan {
        figure_sql,
        rows_sql,
    })
}

/// The fact flag that selects a column's rows: the column itself for a
/// count, the denominator for a rate, none for totals.
fn flag_for<'a>(lineage: &'a Lineage, column: Option<&'a str>) -> Option<&'a str> {
    let column = column?;
    if lineage.totals.contains(&column) {
        return None;
    }
    if let Some((_, denominator)) = lineage.rates.iter().find(|(r, _)| *r == column) {
        return *denominator;
    }
    match column {
        "period" | "year" | "scope_code" | "scope_level" | "kind" => None,
        c => Some(c),
    }
}

fn mart_columns(conn: &Connection, relation: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
    )?;
    let cols: Vec<String> = stmt
        .query_map([relation], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    if cols.is_empty() {
        return Err(Error::Usage(format!(
            "仓库中没有 {relation}，请先运行 taizhang build / the warehouse has no {relation}; run taizhang build"
        )));
    }
    Ok(cols)
}
