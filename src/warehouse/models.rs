//! The SQL models shipped inside the binary, and their run order.
//!
//! Layers run in order (staging, intermediate, marts, tests); within a layer a
//! model runs after the models of that layer whose names its SQL mentions.

use std::collections::BTreeSet;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Staging,
    Intermediate,
    Marts,
    Tests,
}

impl Layer {
    pub fn folder(self) -> &'static str {
        match self {
            Layer::Staging => "staging",
            Layer::Intermediate => "intermediate",
            Layer::Marts => "marts",
            Layer::Tests => "tests",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    pub layer: Layer,
    pub name: String,
    pub sql: String,
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

/// Every shipped model: `sql/<layer>/<name>.sql`.
pub const SHIPPED: &[(Layer, &str, &str)] = &[
    model!(Staging, "staging", "stg_roster"),
    model!(Staging, "staging", "stg_submissions"),
    model!(Staging, "staging", "stg_tasks"),
    model!(Staging, "staging", "stg_rectifications"),
    model!(Staging, "staging", "stg_pilots"),
    model!(Staging, "staging", "stg_plans"),
    model!(Staging, "staging", "stg_satisfaction"),
    model!(Intermediate, "intermediate", "int_periods"),
    model!(Intermediate, "intermediate", "int_scope_units"),
    model!(Intermediate, "intermediate", "int_scopes"),
    model!(Intermediate, "intermediate", "int_expected_submissions"),
    model!(Intermediate, "intermediate", "int_task_facts"),
    model!(Intermediate, "intermediate", "int_rectification_facts"),
    model!(Intermediate, "intermediate", "int_pilot_facts"),
    model!(Intermediate, "intermediate", "int_plan_facts"),
    model!(Intermediate, "intermediate", "int_satisfaction_facts"),
    model!(Marts, "marts", "mart_submission_coverage"),
    model!(Marts, "marts", "mart_task_completion"),
    model!(Marts, "marts", "mart_task_ownership"),
    model!(Marts, "marts", "mart_rectification"),
    model!(Marts, "marts", "mart_pilots"),
    model!(Marts, "marts", "mart_plan_supervision"),
    model!(Marts, "marts", "mart_satisfaction"),
    model!(Marts, "marts", "mart_scorecard"),
    model!(Marts, "marts", "mart_alerts"),
    model!(Tests, "tests", "assert_one_current_submission"),
    model!(Tests, "tests", "assert_mart_keys_unique"),
    model!(Tests, "tests", "assert_rates_between_0_and_1"),
    model!(Tests, "tests", "assert_scopes_in_roster"),
    model!(Tests, "tests", "assert_parents_equal_sum_of_parts"),
    model!(Tests, "tests", "assert_scorecard_weights_positive"),
];

pub fn shipped() -> Vec<Model> {
    SHIPPED
        .iter()
        .map(|(layer, name, sql)| Model {
            layer: *layer,
            name: name.to_string(),
            sql: sql.to_string(),
        })
        .collect()
}

/// Models in run order: by layer, then dependencies within the layer, then name.
pub fn ordered(models: &[Model]) -> Result<Vec<Model>> {
    let mut out: Vec<Model> = Vec::new();
    for layer in [Layer::Staging, Layer::Intermediate, Layer::Marts] {
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
fn mentions(sql: &str, name: &str) -> bool {
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
    fn every_sql_file_is_shipped() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/sql");
        let mut on_disk = Vec::new();
        for layer in [
            Layer::Staging,
            Layer::Intermediate,
            Layer::Marts,
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
    fn cycles_are_an_error() {
        let m = |name: &str, sql: &str| Model {
            layer: Layer::Marts,
            name: name.into(),
            sql: sql.into(),
        };
        assert!(ordered(&[m("mart_a", "mart_b"), m("mart_b", "mart_a")]).is_err());
    }
}
