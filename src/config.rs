//! `taizhang.toml` (DESIGN §9). Every key has a default; unknown keys are an
//! error that names the key, so a typo never silently does nothing.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::ledger::{Kind, Rules};
use crate::normalize::{Level, Status, StatusVocab};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Days after the period's end a submission still counts as on time.
    pub grace_days: u32,
    pub scorecard: Scorecard,
    pub satisfaction: Satisfaction,
    pub vocab: Vocab,
    /// `<kind>.<column> = [...]`: more header synonyms.
    pub synonyms: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// `<kind> = [levels]`: who is expected to submit each kind.
    pub expect: BTreeMap<String, Vec<String>>,
    pub limits: Limits,
    pub assessment: Assessment,
    pub compliance: Compliance,
    /// `[pg]`: the PostgreSQL endpoint's limits (see [`Pg`]).
    pub pg: Pg,
    pub portal: Portal,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            grace_days: 10,
            scorecard: Scorecard::default(),
            satisfaction: Satisfaction::default(),
            vocab: Vocab::default(),
            synonyms: BTreeMap::new(),
            // Departments are expected too: with none in the roster this is
            // DESIGN §9's default (tasks from cities and counties).
            expect: BTreeMap::from([(
                "tasks".to_string(),
                vec![
                    "city".to_string(),
                    "county".to_string(),
                    "department".to_string(),
                ],
            )]),
            limits: Limits::default(),
            assessment: Assessment::default(),
            compliance: Compliance::default(),
            pg: Pg::default(),
            portal: Portal::default(),
        }
    }
}

/// `[assessment]`: the thresholds of the supervision loop.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Assessment {
    /// The composite score below which a unit is 不达标 (alert
    /// `below_pass_score`); unset, no unit is.
    pub pass_score: Option<f64>,
    /// An overdue, open rectification item with no recheck (复查) within this
    /// many days of the period's end is flagged.
    pub recheck_days: u32,
    /// Days after an inspection began within which its 整改督办通知 is
    /// expected: a finding with no notice is named (`finding_without_notice`)
    /// only in periods ending at least this many days after the inspection.
    pub notice_days: u32,
    /// The annual assessment (DESIGN §14): the units with the lowest final
    /// scores of their level (departments of their category) named
    /// (点名通报); unset, none is named for its rank.
    pub name_bottom: Option<u32>,
    /// Deductions at or above which a unit is named; unset, none is.
    pub name_if_deductions_at_least: Option<f64>,
    /// `[assessment.deductions]`: the points each failure costs in the
    /// annual assessment, and their cap.
    pub deductions: Deductions,
}

impl Default for Assessment {
    fn default() -> Self {
        Assessment {
            pass_score: None,
            recheck_days: 90,
            notice_days: 15,
            name_bottom: None,
            name_if_deductions_at_least: None,
            deductions: Deductions::default(),
        }
    }
}

/// `[assessment.deductions]`: points the annual assessment deducts per
/// failure the marts count (each default 0: a rule costs nothing until
/// configured), and the most a year's deductions may total (`cap`; unset,
/// none).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Deductions {
    /// Per expected quarter in which a ledger expected of the unit was not sent.
    pub per_unsubmitted_quarter: f64,
    /// Per expected quarter in which a ledger was first sent after E + grace_days.
    pub per_late_quarter: f64,
    /// Per overdue, open major task of the unit's own ledger, each quarter it is.
    pub per_overdue_major_task: f64,
    /// Per 专项小组 of the unit and quarter in which it did not meet enough.
    pub per_group_quarter_without_meeting: f64,
    /// Per plan whose planned review date passed without its review.
    pub per_review_missed: f64,
    /// Per inspection of the unit whose findings became no 整改督办通知.
    pub per_finding_without_notice: f64,
    /// The most the year's deductions may total.
    pub cap: Option<f64>,
}

impl Deductions {
    /// The rules by name, as `[assessment.deductions]` spells them.
    pub fn rules(&self) -> [(&'static str, f64); 6] {
        [
            ("per_unsubmitted_quarter", self.per_unsubmitted_quarter),
            ("per_late_quarter", self.per_late_quarter),
            ("per_overdue_major_task", self.per_overdue_major_task),
            (
                "per_group_quarter_without_meeting",
                self.per_group_quarter_without_meeting,
            ),
            ("per_review_missed", self.per_review_missed),
            (
                "per_finding_without_notice",
                self.per_finding_without_notice,
            ),
        ]
    }
}

/// `[compliance]`: the duties the meetings, publicity and cases ledgers
/// show (mart_meeting_compliance, mart_publicity, mart_typical_cases).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Compliance {
    /// Meetings a body must hold in a quarter (every 专项小组 meets at least
    /// once a quarter).
    pub meetings_per_quarter: u32,
    /// Press conferences (新闻发布会) a unit must hold in a year.
    pub press_conferences_per_year: u32,
    /// Typical cases (典型案例) a unit must put forward in a year.
    pub cases_per_year: u32,
}

impl Default for Compliance {
    fn default() -> Self {
        Compliance {
            meetings_per_quarter: 1,
            press_conferences_per_year: 1,
            cases_per_year: 1,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scorecard {
    /// The cities' and counties' weights.
    pub weights: BTreeMap<String, f64>,
    /// `[scorecard.department_weights]`: the provincial departments' own
    /// weights, read as a whole table like `weights`; unset, the same weights.
    pub department_weights: Option<BTreeMap<String, f64>>,
}

impl Scorecard {
    /// The weights the departments are scored with.
    pub fn for_departments(&self) -> &BTreeMap<String, f64> {
        self.department_weights.as_ref().unwrap_or(&self.weights)
    }
}

impl Default for Scorecard {
    fn default() -> Self {
        let weights = [
            ("submission", 10.0),
            ("completion", 35.0),
            ("on_time", 10.0),
            ("ownership", 5.0),
            ("rectification", 15.0),
            ("pilots", 5.0),
            ("satisfaction", 20.0),
            // The compliance indicators enter only when given a weight, so
            // the scores of the first wave do not move.
            ("meetings", 0.0),
            ("publicity", 0.0),
            ("cases", 0.0),
        ];
        Scorecard {
            weights: weights
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            department_weights: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Satisfaction {
    /// `standard` = (satisfied + basically)/valid; `strict` = satisfied/valid.
    pub rate: String,
    pub weights: SatisfactionWeights,
    pub low_sample: u32,
}

impl Default for Satisfaction {
    fn default() -> Self {
        Satisfaction {
            rate: "standard".into(),
            weights: SatisfactionWeights::default(),
            low_sample: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SatisfactionWeights {
    pub satisfied: f64,
    pub basically_satisfied: f64,
    pub unsatisfied: f64,
}

impl Default for SatisfactionWeights {
    fn default() -> Self {
        SatisfactionWeights {
            satisfied: 1.0,
            basically_satisfied: 0.6,
            unsatisfied: 0.0,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Vocab {
    /// `<state> = [...]`: more status words.
    pub status: BTreeMap<String, Vec<String>>,
}

/// `[limits]`: what one received file may make taizhang spend. Each is
/// checked before the work it bounds, and a file past one is refused
/// (`too-large`) naming the sheet and the limit. Together, at these
/// defaults, they keep one file under about 512 MB and 30 s (README,
/// "Formats and hostile files").
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// A larger file is refused unread.
    pub max_file_mb: u64,
    /// Non-empty cells per sheet (a CSV is one sheet); the grid a sheet
    /// spreads over, empty cells included, may be twice that.
    pub max_cells: u64,
    pub max_sheets: usize,
    /// What a zip-based workbook's entries may declare unpacked, in all;
    /// checked before anything is inflated.
    pub max_unpacked_mb: u64,
    /// Cells a sheet's merged regions cover (within its used area, each
    /// region counted once), filled in when the sheet is read.
    pub max_merged_cells: u64,
    /// The shared-string table of an xlsx, and the text its cells take from
    /// it (a long string is copied for the cells that show it).
    pub max_shared_strings_mb: u64,
    /// Reading one file stops after this many seconds.
    pub max_seconds_per_file: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_mb: 50,
            max_cells: 5_000_000,
            max_sheets: 100,
            max_unpacked_mb: 256,
            max_merged_cells: 1_000_000,
            max_shared_strings_mb: 64,
            max_seconds_per_file: 20,
        }
    }
}

impl Limits {
    fn validate(&self) -> std::result::Result<(), String> {
        let named = [
            ("max_file_mb", self.max_file_mb),
            ("max_cells", self.max_cells),
            ("max_sheets", self.max_sheets as u64),
            ("max_unpacked_mb", self.max_unpacked_mb),
            ("max_merged_cells", self.max_merged_cells),
            ("max_shared_strings_mb", self.max_shared_strings_mb),
            ("max_seconds_per_file", self.max_seconds_per_file),
        ];
        match named.iter().find(|(_, v)| *v == 0) {
            Some((name, _)) => Err(format!("limits.{name} must be at least 1")),
            None => Ok(()),
        }
    }
}

/// `[portal]`: what `taizhang serve` allows a client, each checked before
/// the work it bounds. The per-file read limits are `[limits]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Portal {
    /// Connections served at once; a connection past them is answered 503
    /// and closed. The open-file limit must allow about twice as many.
    pub max_connections: usize,
    /// Seconds a client may take to send a request's line and headers; a
    /// half-sent request (or an idle kept-alive connection) is then closed.
    pub header_timeout_seconds: u64,
    /// Seconds an upload's body may pause between two chunks before the
    /// upload is dropped (408).
    pub body_idle_seconds: u64,
    /// Files one upload form may carry (the API takes one).
    pub files_per_upload: usize,
    /// Megabytes of uploads streamed to disk (`portal/incoming/`) and not yet
    /// read, all clients together; past this an upload is answered 503.
    pub spool_mb: u64,
    /// Files read (parsed) at once; 0 = one per core, at least 2. Each unit
    /// has at most one file read at a time, so one unit's slow file never
    /// holds every reader.
    pub readers: usize,
    /// Megabytes of uploads read and waiting for their commit, held in
    /// memory, all clients together. A reader that has read an upload waits
    /// for room here before it reads the next, so a commit that is slow
    /// (a batch job holds the lock) stops the reading instead of filling
    /// memory; the uploads waiting meanwhile are then committed together.
    /// An upload larger than all of it waits until it is the only one.
    pub queue_mb: u64,
    /// Failed sign-ins (or wrong API tokens) from one address in a minute
    /// before every token check from that address is slowed.
    pub failed_sign_ins_per_minute: u32,
    /// Seconds each token check from an address past that budget waits
    /// (a correct token is still accepted after the wait; a wrong one gets 429).
    pub throttle_seconds: u64,
    /// Files a unit's clerks may have archived per day (UTC+8); past it,
    /// uploads are refused with 429 until midnight. Province tokens are exempt.
    pub files_per_unit_per_day: u64,
    /// Megabytes a unit's clerks may have archived per day, as above.
    pub mb_per_unit_per_day: u64,
}

impl Default for Portal {
    fn default() -> Self {
        Portal {
            max_connections: 512,
            header_timeout_seconds: 10,
            body_idle_seconds: 30,
            files_per_upload: 20,
            spool_mb: 2048,
            readers: 0,
            queue_mb: 256,
            failed_sign_ins_per_minute: 10,
            throttle_seconds: 3,
            files_per_unit_per_day: 100,
            mb_per_unit_per_day: 300,
        }
    }
}

impl Portal {
    /// Files read at once: `readers`, or one per core (at least 2).
    pub fn reader_count(&self) -> usize {
        match self.readers {
            0 => std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .max(2),
            n => n,
        }
    }

    /// Open files the server needs: a socket and a spooled upload per
    /// connection, and room for the warehouse, the lake and the logs.
    pub fn open_files_needed(&self) -> u64 {
        (self.max_connections as u64)
            .saturating_mul(2)
            .saturating_add(1024)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        for (key, value) in [
            ("max_connections", self.max_connections as u64),
            ("header_timeout_seconds", self.header_timeout_seconds),
            ("body_idle_seconds", self.body_idle_seconds),
            ("files_per_upload", self.files_per_upload as u64),
            ("spool_mb", self.spool_mb),
            ("queue_mb", self.queue_mb),
            (
                "failed_sign_ins_per_minute",
                self.failed_sign_ins_per_minute.into(),
            ),
            ("files_per_unit_per_day", self.files_per_unit_per_day),
            ("mb_per_unit_per_day", self.mb_per_unit_per_day),
        ] {
            if value == 0 {
                return Err(format!("portal.{key} must be at least 1"));
            }
        }
        Ok(())
    }
}

impl Config {
    /// Parses and validates a config text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| Error::Config {
            path: origin.into(),
            message: e.to_string(),
        })?;
        config.validate().map_err(|message| Error::Config {
            path: origin.into(),
            message,
        })?;
        Ok(config)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        self.limits.validate()?;
        for kind in self.expect.keys().chain(self.synonyms.keys()) {
            kind.parse::<Kind>()?;
        }
        for levels in self.expect.values() {
            for level in levels {
                Level::parse(level).ok_or_else(|| {
                    format!("unknown level {level:?} in [expect]; use province, city, county or department")
                })?;
            }
        }
        for (kind, columns) in &self.synonyms {
            let kind: Kind = kind.parse()?;
            for column in columns.keys() {
                if !kind.columns().iter().any(|c| c.name == *column) {
                    let known: Vec<&str> = kind.columns().iter().map(|c| c.name).collect();
                    return Err(format!(
                        "unknown column synonyms.{kind}.{column}; {kind} has {}",
                        known.join(", ")
                    ));
                }
            }
        }
        for state in self.vocab.status.keys() {
            Status::from_name(state)
                .ok_or_else(|| format!("unknown status vocab.status.{state}"))?;
        }
        self.portal.validate()?;
        if !matches!(self.satisfaction.rate.as_str(), "standard" | "strict") {
            return Err(format!(
                "satisfaction.rate must be \"standard\" or \"strict\", not {:?}",
                self.satisfaction.rate
            ));
        }
        if let Some(score) = self.assessment.pass_score
            && !(0.0..=100.0).contains(&score)
        {
            return Err(format!(
                "assessment.pass_score is a composite score from 0 to 100, not {score}"
            ));
        }
        for (rule, points) in self.assessment.deductions.rules() {
            if !(points.is_finite() && points >= 0.0) {
                return Err(format!(
                    "assessment.deductions.{rule} is the points a failure costs, 0 or more, not {points}"
                ));
            }
        }
        if let Some(cap) = self.assessment.deductions.cap
            && !(cap.is_finite() && cap >= 0.0)
        {
            return Err(format!(
                "assessment.deductions.cap is the most a year's deductions total, 0 or more, not {cap}"
            ));
        }
        const INDICATORS: [&str; 10] = [
            "submission",
            "completion",
            "on_time",
            "ownership",
            "rectification",
            "pilots",
            "satisfaction",
            "meetings",
            "publicity",
            "cases",
        ];
        let tables = [("weights", Some(&self.scorecard.weights))]
            .into_iter()
            .chain([(
                "department_weights",
                self.scorecard.department_weights.as_ref(),
            )]);
        for (table, weights) in tables {
            let Some(weights) = weights else { continue };
            for (name, w) in weights {
                if !INDICATORS.contains(&name.as_str()) {
                    return Err(format!(
                        "unknown indicator scorecard.{table}.{name}; use {}",
                        INDICATORS.join(", ")
                    ));
                }
                if !w.is_finite() || *w < 0.0 {
                    return Err(format!("scorecard.{table}.{name} must be a number ≥ 0"));
                }
            }
            if weights.values().sum::<f64>() <= 0.0 {
                return Err(format!("scorecard.{table} must sum to a positive number"));
            }
        }
        self.pg.check()?;
        Ok(())
    }

    /// Header synonyms and status words for the ledger reader.
    pub fn rules(&self) -> Rules {
        let mut extra = HashMap::new();
        for (kind, columns) in &self.synonyms {
            let kind: Kind = kind.parse().expect("validated");
            for (column, words) in columns {
                extra.insert((kind, column.clone()), words.clone());
            }
        }
        let status = self
            .vocab
            .status
            .iter()
            .map(|(state, words)| (Status::from_name(state).expect("validated"), words.clone()))
            .collect();
        Rules::new(&extra, StatusVocab::with_extra(&status))
    }

    /// (kind, level) pairs of `[expect]`.
    pub fn expectations(&self) -> Vec<(String, String)> {
        self.expect
            .iter()
            .flat_map(|(k, levels)| levels.iter().map(move |l| (k.clone(), l.clone())))
            .collect()
    }
}

// ---- [pg]: the PostgreSQL endpoint (`taizhang serve --pg`) ----------------

/// `[pg]`: what the PostgreSQL endpoint lets its clients take, each and
/// together. Every key is also a `serve --pg-…` flag, which wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pg {
    /// Connections at once, signing in or signed in; more are refused with
    /// SQLSTATE 53300 (`--pg-max-connections`).
    pub max_connections: usize,
    /// Seconds a connection has to sign in before it is closed
    /// (`--pg-startup-timeout`).
    pub startup_timeout_secs: u64,
    /// Seconds a statement may take, its rows' sending included
    /// (`--pg-timeout`).
    pub statement_timeout_secs: u64,
    /// Rows a statement may return; more are refused (`--pg-max-rows`).
    pub max_rows: usize,
    /// Mebibytes of rows, as sent, a statement may return; more are refused
    /// (`--pg-max-result-mb`).
    pub max_result_mb: u64,
    /// Mebibytes of memory DuckDB may use for the endpoint's queries, all
    /// connections together; nothing spills to disk (`--pg-memory-mb`).
    pub memory_mb: u64,
    /// Threads DuckDB may run the endpoint's queries on (`--pg-threads`).
    pub threads: u32,
}

impl Default for Pg {
    fn default() -> Self {
        Pg {
            max_connections: 64,
            startup_timeout_secs: 10,
            statement_timeout_secs: 60,
            max_rows: 1_000_000,
            max_result_mb: 1024,
            memory_mb: 2048,
            threads: 4,
        }
    }
}

impl Pg {
    /// Every limit must allow something: a 0 would refuse every client.
    pub fn check(&self) -> std::result::Result<(), String> {
        let at_least = [
            ("max_connections", self.max_connections as u64, 1),
            ("startup_timeout_secs", self.startup_timeout_secs, 1),
            ("statement_timeout_secs", self.statement_timeout_secs, 1),
            ("max_rows", self.max_rows as u64, 1),
            ("max_result_mb", self.max_result_mb, 1),
            // DuckDB needs a few blocks of 256 KiB per thread to run anything.
            ("memory_mb", self.memory_mb, 64),
            ("threads", u64::from(self.threads), 1),
        ];
        for (key, value, least) in at_least {
            if value < least {
                return Err(format!("pg.{key} must be at least {least}, not {value}"));
            }
        }
        Ok(())
    }
}

/// The commented default written by `taizhang init`.
pub const DEFAULT_TOML: &str = include_str!("../data/taizhang.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commented_default_parses_to_the_defaults() {
        let c = Config::parse(DEFAULT_TOML, "default").unwrap();
        assert_eq!(c.grace_days, 10);
        assert_eq!(c.limits.max_file_mb, 50);
        assert_eq!(c.portal.max_connections, 512);
        assert_eq!(c.portal.mb_per_unit_per_day, 300);
        assert_eq!(c.scorecard.weights["completion"], 35.0);
        assert_eq!(
            c.expectations(),
            vec![
                ("tasks".to_string(), "city".to_string()),
                ("tasks".to_string(), "county".to_string()),
                ("tasks".to_string(), "department".to_string())
            ]
        );
        // The departments are scored with the regions' weights unless given their own.
        assert!(c.scorecard.department_weights.is_none());
        assert_eq!(c.scorecard.for_departments(), &c.scorecard.weights);
    }

    #[test]
    fn departments_take_their_own_weights_checked_like_the_regions() {
        let c = Config::parse(
            "[scorecard.department_weights]\ncompletion = 2\nsubmission = 1\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(c.scorecard.for_departments().len(), 2);
        assert_eq!(c.scorecard.for_departments()["completion"], 2.0);
        assert_eq!(c.scorecard.weights["completion"], 35.0);
        for (toml, named) in [
            (
                "[scorecard.department_weights]\ncompletin = 1\n",
                "department_weights.completin",
            ),
            (
                "[scorecard.department_weights]\ncompletion = -1\n",
                "department_weights.completion",
            ),
            (
                "[scorecard.department_weights]\ncompletion = 0\n",
                "department_weights",
            ),
        ] {
            let err = Config::parse(toml, "t.toml").unwrap_err().to_string();
            assert!(err.contains(named), "{toml}: {err}");
        }
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::parse("grace_dayz = 3", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("grace_dayz"), "{err}");
        let err = Config::parse("[synonyms.tasks]\ntaks = [\"x\"]", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("taks"), "{err}");
        let err = Config::parse("[expect]\ntasks = [\"town\"]", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("town"), "{err}");
    }

    #[test]
    fn the_endpoints_limits_are_read_and_checked() {
        let c = Config::parse(DEFAULT_TOML, "default").unwrap();
        assert_eq!(c.pg, Pg::default());
        let c = Config::parse("[pg]\nmax_connections = 5\nmemory_mb = 256\n", "t.toml").unwrap();
        assert_eq!((c.pg.max_connections, c.pg.memory_mb), (5, 256));
        assert_eq!(c.pg.max_rows, Pg::default().max_rows);
        for (toml, named) in [
            ("[pg]\nmax_conections = 5\n", "max_conections"),
            ("[pg]\nmax_connections = 0\n", "pg.max_connections"),
            ("[pg]\nmemory_mb = 10\n", "pg.memory_mb"),
            (
                "[pg]\nstartup_timeout_secs = 0\n",
                "pg.startup_timeout_secs",
            ),
        ] {
            let err = Config::parse(toml, "t.toml").unwrap_err().to_string();
            assert!(err.contains(named), "{toml}: {err}");
        }
    }

    #[test]
    fn portal_limits_are_read_and_none_may_be_zero() {
        let c = Config::parse("[portal]\nmax_connections = 8\nreaders = 3\n", "t").unwrap();
        assert_eq!(c.portal.max_connections, 8);
        assert_eq!(c.portal.reader_count(), 3);
        assert!(Config::default().portal.reader_count() >= 2);
        for key in ["max_connections", "spool_mb", "files_per_unit_per_day"] {
            let err = Config::parse(&format!("[portal]\n{key} = 0\n"), "t")
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{err}");
        }
        let err = Config::parse("[portal]\nmax_conections = 8\n", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_conections"), "{err}");
    }

    #[test]
    fn extra_words_reach_the_rules() {
        let c = Config::parse(
            "[vocab.status]\ndone = [\"已落地\"]\n[synonyms.tasks]\ntask = [\"事项名称\"]",
            "t",
        )
        .unwrap();
        let rules = c.rules();
        assert_eq!(rules.vocab.classify("已落地"), Some(Status::Done));
        assert!(rules.synonyms(Kind::Tasks)[2].contains(&"事项名称".to_string()));
    }
}
