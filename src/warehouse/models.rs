//! The SQL models shipped inside the binary, and their run order.
//!
//! Layers run in order (staging, intermediate, marts, reports, tests); within a
//! layer a model runs after the models of that layer whose names its SQL
//! mentions. The reports layer (`rpt_*`) holds the report's tables, named and
//! ordered as the report shows them, so the report only renders.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Staging,
    Intermediate,
    Marts,
    Reports,
    Tests,
}

impl Layer {
    pub fn folder(self) -> &'static str {
        match self {
            Layer::Staging => "staging",
            Layer::Intermediate => "intermediate",
            Layer::Marts => "marts",
            Layer::Reports => "reports",
            Layer::Tests => "tests",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    pub layer: Layer,
    pub name: String,
    pub sql: String,
    /// Where a workspace model came from; `None` for a shipped one.
    pub path: Option<PathBuf>,
}

macro_rules! model {
    ($layer:ident, $folder:literal, $name:literal) => {
        (
            Layer::$layer,
            $name,
            include_str!(concat!("../../sql/", $folder, "/", $name, ".sql")),
        )
    };
}

impl Model {
    /// Whether the model is built as a view rather than a table: staging
    /// always (DESIGN §7), and any model whose header says
    /// `-- materialized: view` — one read by a single model, where a table
    /// would cost a write of every row for nothing (dbt's materializations).
    pub fn is_view(&self) -> bool {
        self.layer == Layer::Staging
            || self
                .sql
                .lines()
                .take_while(|l| l.starts_with("--"))
                .any(|l| l.trim() == "-- materialized: view")
    }
}

/// Every shipped model: `sql/<layer>/<name>.sql`.
pub const SHIPPED: &[(Layer, &str, &str)] = &[
    model!(Staging, "staging", "stg_roster"),
    model!(Staging, "staging", "stg_config"),
    model!(Staging, "staging", "stg_clock"),
    model!(Staging, "staging", "stg_config_expect"),
    model!(Staging, "staging", "stg_config_weights"),
    model!(Staging, "staging", "stg_config_deductions"),
    model!(Staging, "staging", "stg_submissions"),
    model!(Staging, "staging", "stg_tasks"),
    model!(Staging, "staging", "stg_rectifications"),
    model!(Staging, "staging", "stg_pilots"),
    model!(Staging, "staging", "stg_plans"),
    model!(Staging, "staging", "stg_satisfaction"),
    model!(Staging, "staging", "stg_meetings"),
    model!(Staging, "staging", "stg_publicity"),
    model!(Staging, "staging", "stg_cases"),
    model!(Staging, "staging", "stg_inspections"),
    model!(Staging, "staging", "stg_deductions"),
    model!(Staging, "staging", "stg_exemptions"),
    model!(Staging, "staging", "stg_accountability"),
    model!(Staging, "staging", "stg_assignments"),
    model!(Intermediate, "intermediate", "int_periods"),
    model!(Intermediate, "intermediate", "int_scope_units"),
    model!(Intermediate, "intermediate", "int_scopes"),
    model!(Intermediate, "intermediate", "int_expected_submissions"),
    model!(Intermediate, "intermediate", "int_office_listings"),
    model!(Intermediate, "intermediate", "int_exempted_rows"),
    model!(Intermediate, "intermediate", "int_task_facts"),
    model!(Intermediate, "intermediate", "int_rectification_facts"),
    model!(Intermediate, "intermediate", "int_pilot_facts"),
    model!(Intermediate, "intermediate", "int_plan_facts"),
    model!(Intermediate, "intermediate", "int_satisfaction_facts"),
    model!(Intermediate, "intermediate", "int_year_units"),
    model!(Intermediate, "intermediate", "int_year_scope_units"),
    model!(Intermediate, "intermediate", "int_inspection_years"),
    model!(Intermediate, "intermediate", "int_inspections"),
    model!(Intermediate, "intermediate", "int_inspection_plans"),
    model!(Intermediate, "intermediate", "int_ledger_rows"),
    model!(Intermediate, "intermediate", "int_ledger_pairs"),
    model!(Intermediate, "intermediate", "int_meeting_listings"),
    model!(Intermediate, "intermediate", "int_publicity_listings"),
    model!(Intermediate, "intermediate", "int_case_listings"),
    model!(Intermediate, "intermediate", "int_assessment_quarters"),
    model!(Intermediate, "intermediate", "int_assessment_units"),
    model!(Intermediate, "intermediate", "int_assignments"),
    model!(Marts, "marts", "mart_submission_coverage"),
    model!(Marts, "marts", "mart_task_completion"),
    model!(Marts, "marts", "mart_task_ownership"),
    model!(Marts, "marts", "mart_rectification"),
    model!(Marts, "marts", "mart_pilots"),
    model!(Marts, "marts", "mart_plan_supervision"),
    model!(Marts, "marts", "mart_satisfaction"),
    model!(Marts, "marts", "mart_meeting_compliance"),
    model!(Marts, "marts", "mart_publicity"),
    model!(Marts, "marts", "mart_typical_cases"),
    model!(Marts, "marts", "mart_inspections"),
    model!(Marts, "marts", "mart_scorecard"),
    model!(Marts, "marts", "mart_ledger_changes"),
    model!(Marts, "marts", "mart_ledger_change_counts"),
    model!(Marts, "marts", "mart_assessment_deductions"),
    model!(Marts, "marts", "mart_annual_assessment"),
    model!(Marts, "marts", "mart_exemptions"),
    model!(Marts, "marts", "mart_assignment_docking"),
    model!(Marts, "marts", "mart_leaders"),
    model!(Marts, "marts", "mart_alerts"),
    model!(Marts, "marts", "mart_department_gaps"),
    model!(Intermediate, "intermediate", "int_report_scopes"),
    model!(Reports, "reports", "rpt_headline"),
    model!(Reports, "reports", "rpt_scorecard"),
    model!(Reports, "reports", "rpt_scorecard_indicators"),
    model!(Reports, "reports", "rpt_coverage"),
    model!(Reports, "reports", "rpt_unsubmitted"),
    model!(Reports, "reports", "rpt_task_completion"),
    model!(Reports, "reports", "rpt_task_completion_by_domain"),
    model!(Reports, "reports", "rpt_rectification"),
    model!(Reports, "reports", "rpt_plan_supervision"),
    model!(Reports, "reports", "rpt_ledger_change_counts"),
    model!(Reports, "reports", "rpt_ledger_changes"),
    model!(Reports, "reports", "rpt_pilots"),
    model!(Reports, "reports", "rpt_satisfaction"),
    model!(Reports, "reports", "rpt_meeting_compliance"),
    model!(Reports, "reports", "rpt_publicity"),
    model!(Reports, "reports", "rpt_typical_cases"),
    model!(Reports, "reports", "rpt_inspections"),
    model!(Reports, "reports", "rpt_department_gaps"),
    model!(Reports, "reports", "rpt_annual_headline"),
    model!(Reports, "reports", "rpt_annual_ranking"),
    model!(Reports, "reports", "rpt_annual_details"),
    model!(Reports, "reports", "rpt_annual_yearly"),
    model!(Reports, "reports", "rpt_alerts"),
    model!(Reports, "reports", "rpt_alert_counts"),
    model!(Reports, "reports", "rpt_sources"),
    model!(Tests, "tests", "assert_one_current_submission"),
    model!(Tests, "tests", "assert_mart_keys_unique"),
    model!(Tests, "tests", "assert_rates_between_0_and_1"),
    model!(Tests, "tests", "assert_scopes_in_roster"),
    model!(Tests, "tests", "assert_parents_equal_sum_of_parts"),
    model!(Tests, "tests", "assert_scorecard_weights_positive"),
    model!(Tests, "tests", "assert_alerts_named_in_chinese"),
    model!(Tests, "tests", "assert_scopes_pool_themselves"),
    model!(Tests, "tests", "assert_change_cells_in_lake"),
    model!(Tests, "tests", "assert_alerts_cite_their_submission"),
    model!(Tests, "tests", "assert_inspections_pool_to_the_province"),
    model!(Tests, "tests", "assert_plans_inspected_within_due"),
    model!(
        Tests,
        "tests",
        "assert_annual_final_is_base_minus_capped_deductions"
    ),
    model!(Tests, "tests", "assert_named_units_meet_a_naming_rule"),
    model!(Tests, "tests", "assert_no_exempted_item_counts_overdue"),
];

pub fn shipped() -> Vec<Model> {
    SHIPPED
        .iter()
        .map(|(layer, name, sql)| Model {
            layer: *layer,
            name: name.to_string(),
            sql: sql.to_string(),
            path: None,
        })
        .collect()
}

impl Layer {
    const ALL: [Layer; 5] = [
        Layer::Staging,
        Layer::Intermediate,
        Layer::Marts,
        Layer::Reports,
        Layer::Tests,
    ];

    /// The layer a model's name prefix implies (`stg_`, `int_`, `mart_`, `assert_`).
    fn from_prefix(name: &str) -> Option<Layer> {
        [
            ("stg_", Layer::Staging),
            ("int_", Layer::Intermediate),
            ("mart_", Layer::Marts),
            ("rpt_", Layer::Reports),
            ("assert_", Layer::Tests),
        ]
        .into_iter()
        .find(|(p, _)| name.starts_with(p))
        .map(|(_, l)| l)
    }
}

/// The shipped models with a workspace's own `sql/` folder laid over them: a
/// file `sql/<layer>/<name>.sql` (or `sql/<name>.sql`, its layer told by the
/// prefix stg_, int_, mart_ or assert_) replaces the shipped model of that
/// name, or adds a new one. Returns the models and the names that were
/// overridden.
pub fn with_overrides(ws_root: &Path) -> Result<(Vec<Model>, Vec<String>)> {
    let mut models = shipped();
    let mut overridden = Vec::new();
    let dir = ws_root.join("sql");
    if !dir.is_dir() {
        return Ok((models, overridden));
    }
    let mut found: Vec<(Option<Layer>, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(Error::io(&dir))? {
        let path = entry.map_err(Error::io(&dir))?.path();
        if path.is_dir() {
            let folder = path.file_name().unwrap_or_default().to_string_lossy();
            let Some(layer) = Layer::ALL.into_iter().find(|l| l.folder() == folder) else {
                return Err(Error::Model {
                    model: path.display().to_string(),
                    message:
                        "unknown folder; use staging, intermediate, marts, reports or tests / \
                              未知的文件夹，请使用 staging、intermediate、marts、reports 或 tests"
                            .into(),
                });
            };
            for inner in std::fs::read_dir(&path).map_err(Error::io(&path))? {
                found.push((Some(layer), inner.map_err(Error::io(&path))?.path()));
            }
        } else {
            found.push((None, path));
        }
    }
    found.retain(|(_, p)| p.extension().is_some_and(|e| e == "sql"));
    found.sort_by(|a, b| a.1.cmp(&b.1));
    for (folder_layer, path) in found {
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Model {
                model: path.display().to_string(),
                message: "a model name may hold only letters, digits and _ / 模型名只能包含字母、数字和下划线".into(),
            });
        }
        let layer = folder_layer
            .or_else(|| Layer::from_prefix(&name))
            .ok_or_else(|| Error::Model {
                model: path.display().to_string(),
                message: "put it under sql/staging, sql/intermediate, sql/marts or sql/tests, or \
                          name it stg_*, int_*, mart_* or assert_* / 请放入对应层的文件夹或使用对应前缀命名"
                    .into(),
            })?;
        let sql = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
        let model = Model {
            layer,
            name: name.clone(),
            sql,
            path: Some(path),
        };
        if let Some(existing) = models.iter_mut().find(|m| m.name == name) {
            *existing = model;
            overridden.push(name);
        } else {
            models.push(model);
        }
    }
    Ok((models, overridden))
}

/// Models in run order: by layer, then dependencies within the layer, then name.
pub fn ordered(models: &[Model]) -> Result<Vec<Model>> {
    let mut out: Vec<Model> = Vec::new();
    for layer in [
        Layer::Staging,
        Layer::Intermediate,
        Layer::Marts,
        Layer::Reports,
    ] {
        let mut pending: Vec<&Model> = models.iter().filter(|m| m.layer == layer).collect();
        pending.sort_by(|a, b| a.name.cmp(&b.name));
        let names: BTreeSet<&str> = pending.iter().map(|m| m.name.as_str()).collect();
        let mut done: BTreeSet<String> = BTreeSet::new();
        while !pending.is_empty() {
            let ready = pending.iter().position(|m| {
                names.iter().all(|other| {
                    *other == m.name || done.contains(*other) || !mentions(&m.sql, other)
                })
            });
            let Some(i) = ready else {
                let cycle: Vec<&str> = pending.iter().map(|m| m.name.as_str()).collect();
                return Err(Error::Model {
                    model: cycle.join(", "),
                    message: "circular references between models".into(),
                });
            };
            let m = pending.remove(i);
            done.insert(m.name.clone());
            out.push(m.clone());
        }
    }
    Ok(out)
}

/// Whether `sql` mentions `name` as a whole word.
pub fn mentions(sql: &str, name: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(name).any(|(at, _)| {
        let before = sql[..at].chars().next_back();
        let after = sql[at + name.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_is_a_view_when_staging_or_its_header_says_so() {
        let model = |layer, sql: &str| Model {
            layer,
            name: "m".into(),
            sql: sql.into(),
            path: None,
        };
        assert!(model(Layer::Staging, "select 1").is_view());
        assert!(!model(Layer::Intermediate, "-- grain: x\nselect 1").is_view());
        assert!(
            model(
                Layer::Intermediate,
                "-- grain: x\n-- materialized: view\nselect 1"
            )
            .is_view()
        );
        // Only the header counts: the words later in the SQL do not.
        assert!(!model(Layer::Marts, "-- grain: x\nselect 1\n-- materialized: view").is_view());
        let shipped: Vec<String> = shipped()
            .into_iter()
            .filter(|m| m.layer != Layer::Staging && m.is_view())
            .map(|m| m.name)
            .collect();
        assert_eq!(shipped, ["int_ledger_rows"]);
    }

    #[test]
    fn every_sql_file_is_shipped() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/sql");
        let mut on_disk = Vec::new();
        for layer in [
            Layer::Staging,
            Layer::Intermediate,
            Layer::Marts,
            Layer::Reports,
            Layer::Tests,
        ] {
            for entry in std::fs::read_dir(format!("{root}/{}", layer.folder())).unwrap() {
                let name = entry
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".sql")
                    .to_string();
                on_disk.push((layer, name));
            }
        }
        on_disk.sort();
        let mut shipped: Vec<(Layer, String)> =
            shipped().into_iter().map(|m| (m.layer, m.name)).collect();
        shipped.sort();
        assert_eq!(on_disk, shipped);
    }

    #[test]
    fn every_model_states_its_grain() {
        for m in shipped() {
            assert!(
                m.sql.starts_with("-- "),
                "{} must start with a header comment",
                m.name
            );
            if m.layer != Layer::Tests {
                assert!(
                    m.sql.to_lowercase().contains("grain:"),
                    "{} must state its grain",
                    m.name
                );
            }
        }
    }

    #[test]
    fn dependencies_run_first() {
        let m = |layer, name: &str, sql: &str| Model {
            layer,
            name: name.into(),
            sql: sql.into(),
            path: None,
        };
        let models = vec![
            m(Layer::Marts, "mart_a", "select * from int_b join mart_c"),
            m(Layer::Marts, "mart_c", "select 1"),
            m(Layer::Intermediate, "int_b", "select * from stg_x"),
            m(Layer::Staging, "stg_x", "select 1"),
            m(Layer::Staging, "stg_x_extra", "select * from stg_x"),
        ];
        let names: Vec<String> = ordered(&models)
            .unwrap()
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names, ["stg_x", "stg_x_extra", "int_b", "mart_c", "mart_a"]);
        assert!(!mentions("select * from stg_x_extra", "stg_x"));
    }

    #[test]
    fn a_workspace_model_replaces_or_joins_the_shipped_ones() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("sql");
        std::fs::create_dir_all(sql.join("marts")).unwrap();
        std::fs::write(sql.join("marts/mart_pilots.sql"), "-- mine\nselect 1").unwrap();
        std::fs::write(sql.join("int_extra.sql"), "-- grain: x\nselect 2").unwrap();
        std::fs::write(sql.join("notes.txt"), "ignored").unwrap();
        let (models, overridden) = with_overrides(dir.path()).unwrap();
        assert_eq!(overridden, ["mart_pilots"]);
        let pilots = models.iter().find(|m| m.name == "mart_pilots").unwrap();
        assert_eq!(pilots.sql, "-- mine\nselect 1");
        assert_eq!(models.iter().filter(|m| m.name == "mart_pilots").count(), 1);
        let extra = models.iter().find(|m| m.name == "int_extra").unwrap();
        assert_eq!(extra.layer, Layer::Intermediate);

        std::fs::write(sql.join("report.sql"), "select 3").unwrap();
        let err = with_overrides(dir.path()).unwrap_err().to_string();
        assert!(err.contains("report.sql"), "{err}");
    }

    #[test]
    fn cycles_are_an_error() {
        let m = |name: &str, sql: &str| Model {
            layer: Layer::Marts,
            name: name.into(),
            sql: sql.into(),
            path: None,
        };
        assert!(ordered(&[m("mart_a", "mart_b"), m("mart_b", "mart_a")]).is_err());
    }
}
