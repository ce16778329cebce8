//! A pipeline file (DESIGN §10), read and checked: a TOML list of steps run
//! in order under one workspace lock. Paths resolve against the pipeline
//! file's folder, and `{workspace}` stands for the workspace in use.

use serde::Deserialize;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::ledger::Kind;
use crate::normalize::Period;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    /// The workspace, relative to the pipeline file, when `--workspace` is not given.
    pub workspace: Option<String>,
    /// When a scheduler should run it: a five-field cron expression.
    pub schedule: Option<String>,
    /// Which outcomes make the run end with exit status 1 ("done, but…").
    /// Default: all of them. The demo lists none — its two bad rows are the
    /// demonstration, not a failure — and the nightly job lists all.
    #[serde(default = "FailOn::all")]
    pub fail_on: Vec<FailOn>,
    /// Printed when the run has ended, with `{workspace}` substituted: what
    /// to open or run next.
    pub next_steps: Option<String>,
    #[serde(rename = "step", default)]
    pub steps: Vec<Step>,
}

/// An outcome that can fail a pipeline run (`fail_on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    /// A file was rejected as a whole.
    RejectedFiles,
    /// A row was rejected (kept in `lake/issues`, out of the tables).
    RejectedRows,
    /// A data test of the build returned failing rows.
    DataTests,
}

impl FailOn {
    pub fn all() -> Vec<FailOn> {
        vec![
            FailOn::RejectedFiles,
            FailOn::RejectedRows,
            FailOn::DataTests,
        ]
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "run", rename_all = "lowercase", deny_unknown_fields)]
pub enum Step {
    /// Write a default workspace, only when it has no `taizhang.toml` yet.
    Init {
        /// A roster to install instead of the default one.
        roster: Option<String>,
        /// A `taizhang.toml` to install instead of the default one.
        settings: Option<String>,
    },
    /// Ingest files or folders.
    Ingest {
        paths: Vec<String>,
        kind: Option<String>,
        region: Option<String>,
        period: Option<String>,
        /// The clerks' feedback for what this step read (FILE.xlsx: their
        /// sheets with the faulty cells marked; FILE.json).
        feedback: Option<String>,
    },
    /// Rebuild the warehouse. With `as_of` (a time or a date), from the
    /// submissions received by then, into a file of its own (`out`, default
    /// `{workspace}/warehouses/as-of-<time>.duckdb`) that the later steps of
    /// this run read; the live warehouse is left as it is.
    Build {
        as_of: Option<String>,
        out: Option<String>,
    },
    /// Print a SQL result.
    Query { sql: String, title: Option<String> },
    /// Write the period report (`period` = "latest" or e.g. "2024Q2"), or
    /// the annual assessment report of `year` (DESIGN §14).
    Report {
        period: Option<String>,
        year: Option<i32>,
        /// `xlsx`, `html` (default both).
        formats: Option<Vec<String>>,
        /// Folder for the reports (default `{workspace}/reports`).
        out: Option<String>,
    },
    /// Export marts for other tools, one folder per period.
    Export {
        /// Which marts (default: every `mart_*`).
        marts: Option<Vec<String>>,
        /// `parquet` (default) or `csv`.
        format: Option<String>,
        /// Folder (default `{workspace}/export`).
        out: Option<String>,
    },
}

impl Step {
    pub fn name(&self) -> &'static str {
        match self {
            Step::Init { .. } => "init",
            Step::Ingest { .. } => "ingest",
            Step::Build { .. } => "build",
            Step::Query { .. } => "query",
            Step::Report { .. } => "report",
            Step::Export { .. } => "export",
        }
    }
}

/// A pipeline file read and checked, with its folder.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub pipeline: Pipeline,
}

impl Loaded {
    pub fn read(path: &Path) -> Result<Loaded> {
        let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
        let pipeline: Pipeline = toml::from_str(&text).map_err(|e| Error::Pipeline {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if pipeline.steps.is_empty() {
            return Err(Error::Pipeline {
                path: path.to_path_buf(),
                message: "no [[step]] to run".into(),
            });
        }
        let bad = |message: String| Error::Pipeline {
            path: path.to_path_buf(),
            message,
        };
        if let Some(cron) = &pipeline.schedule {
            cron.parse::<crate::pipeline::schedule::Cron>()
                .map_err(bad)?;
        }
        for step in &pipeline.steps {
            match step {
                Step::Ingest {
                    kind,
                    period,
                    feedback,
                    ..
                } => {
                    if let Some(f) = feedback
                        && !(f.ends_with(".xlsx") || f.ends_with(".json"))
                    {
                        return Err(bad(format!(
                            "ingest feedback {f:?}: use FILE.xlsx or FILE.json"
                        )));
                    }
                    if let Some(k) = kind {
                        k.parse::<Kind>().map_err(bad)?;
                    }
                    if let Some(p) = period {
                        p.parse::<Period>().map_err(|e| bad(e.to_string()))?;
                    }
                }
                Step::Report {
                    period,
                    year,
                    formats,
                    ..
                } => {
                    if let (Some(_), Some(_)) = (period, year) {
                        return Err(bad("report: give period or year, not both".to_string()));
                    }
                    if let Some(y) = year
                        && !(2000..=2100).contains(y)
                    {
                        return Err(bad(format!("report year {y}: not a year")));
                    }
                    if let Some(p) = period.as_deref().filter(|p| *p != "latest") {
                        p.parse::<Period>().map_err(|e| bad(e.to_string()))?;
                    }
                    for f in formats.iter().flatten() {
                        if !matches!(f.as_str(), "xlsx" | "html") {
                            return Err(bad(format!("report format {f:?}: use xlsx or html")));
                        }
                    }
                }
                Step::Build { as_of: Some(t), .. } => {
                    crate::normalize::time::parse_as_of(t).ok_or_else(|| {
                        bad(format!(
                            "build as_of {t:?}: not a time (e.g. 2025-01-31 or 2025-01-31T18:00+08:00)"
                        ))
                    })?;
                }
                Step::Export { format, marts, .. } => {
                    if let Some(f) = format
                        .as_deref()
                        .filter(|f| !matches!(*f, "parquet" | "csv"))
                    {
                        return Err(bad(format!("export format {f:?}: use parquet or csv")));
                    }
                    for m in marts.iter().flatten() {
                        if !m.starts_with("mart_")
                            || !m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        {
                            return Err(bad(format!("export: {m:?} is not a mart (mart_*)")));
                        }
                    }
                }
                _ => {}
            }
        }
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok(Loaded {
            path: path.to_path_buf(),
            dir,
            pipeline,
        })
    }

    /// The workspace: `--workspace`, else the pipeline's `workspace` key, else
    /// the current folder.
    pub fn workspace(&self, flag: Option<&Path>) -> PathBuf {
        match (flag, &self.pipeline.workspace) {
            (Some(w), _) => w.to_path_buf(),
            (None, Some(w)) => self.dir.join(w),
            (None, None) => PathBuf::from("."),
        }
    }

    /// A path of a step: `{workspace}` substituted, then resolved against the
    /// pipeline file's folder.
    pub fn resolve(&self, path: &str, workspace: &Path) -> PathBuf {
        // `{workspace}/…` is below the workspace, which is already resolved
        // (and may be relative to the current folder, not to this file's).
        if let Some(rest) = path.strip_prefix("{workspace}") {
            return workspace.join(rest.trim_start_matches(['/', '\\']));
        }
        let substituted = path.replace("{workspace}", &workspace.display().to_string());
        let p = PathBuf::from(substituted);
        if p.is_absolute() { p } else { self.dir.join(p) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_parse_and_paths_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(
            &path,
            "workspace = \"work\"\n[[step]]\nrun = \"init\"\n[[step]]\nrun = \"ingest\"\npaths = [\"{workspace}/inbox\", \"data\"]\n[[step]]\nrun = \"build\"\n",
        )
        .unwrap();
        let loaded = Loaded::read(&path).unwrap();
        let names: Vec<&str> = loaded.pipeline.steps.iter().map(Step::name).collect();
        assert_eq!(names, ["init", "ingest", "build"]);
        let ws = loaded.workspace(None);
        assert_eq!(ws, dir.path().join("work"));
        assert_eq!(
            loaded.resolve("{workspace}/inbox", Path::new("/srv/ws")),
            PathBuf::from("/srv/ws/inbox")
        );
        assert_eq!(loaded.resolve("data", &ws), dir.path().join("data"));
        // A relative workspace (`taizhang run pipelines/demo.toml` from the
        // repository's root) is not joined to the pipeline's folder twice.
        let relative = Path::new("pipelines/work/demo");
        assert_eq!(
            loaded.resolve("{workspace}/feedback/x.xlsx", relative),
            PathBuf::from("pipelines/work/demo/feedback/x.xlsx")
        );
        assert_eq!(
            loaded.workspace(Some(Path::new("/other"))),
            PathBuf::from("/other")
        );
    }

    #[test]
    fn fail_on_defaults_to_every_outcome_and_names_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, "[[step]]\nrun = \"build\"\n").unwrap();
        assert_eq!(Loaded::read(&path).unwrap().pipeline.fail_on, FailOn::all());
        std::fs::write(&path, "fail_on = []\n[[step]]\nrun = \"build\"\n").unwrap();
        assert!(Loaded::read(&path).unwrap().pipeline.fail_on.is_empty());
        std::fs::write(
            &path,
            "fail_on = [\"data-tests\"]\n[[step]]\nrun = \"build\"\n",
        )
        .unwrap();
        assert_eq!(
            Loaded::read(&path).unwrap().pipeline.fail_on,
            [FailOn::DataTests]
        );
        std::fs::write(
            &path,
            "fail_on = [\"warnings\"]\n[[step]]\nrun = \"build\"\n",
        )
        .unwrap();
        let err = Loaded::read(&path).unwrap_err().to_string();
        assert!(err.contains("warnings"), "{err}");
    }

    #[test]
    fn unknown_steps_and_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, "[[step]]\nrun = \"deploy\"\n").unwrap();
        assert!(Loaded::read(&path).is_err());
        std::fs::write(&path, "[[step]]\nrun = \"build\"\nfast = true\n").unwrap();
        assert!(Loaded::read(&path).is_err());
        std::fs::write(
            &path,
            "schedule = \"0 25 * * *\"\n[[step]]\nrun = \"build\"\n",
        )
        .unwrap();
        let err = Loaded::read(&path).unwrap_err().to_string();
        assert!(err.contains("hour"), "{err}");
        std::fs::write(&path, "[[step]]\nrun = \"report\"\nformats = [\"pdf\"]\n").unwrap();
        assert!(Loaded::read(&path).is_err());
        std::fs::write(
            &path,
            "[[step]]\nrun = \"export\"\nmarts = [\"raw_tasks\"]\n",
        )
        .unwrap();
        assert!(Loaded::read(&path).is_err());
        std::fs::write(
            &path,
            "[[step]]\nrun = \"ingest\"\npaths = []\nperiod = \"Q9\"\n",
        )
        .unwrap();
        assert!(Loaded::read(&path).is_err());
    }
}
