//! The text normalisers on arbitrary text: deadlines, periods, statuses,
//! units, headers, region lookup, milestones and the 督察 cells.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use taizhang::normalize::{Period, Roster, StatusVocab, dates, header, inspection, units};

static ROSTER: LazyLock<Roster> = LazyLock::new(|| Roster::from_csv(taizhang::workspace::DEFAULT_ROSTER).unwrap());
static VOCAB: LazyLock<StatusVocab> = LazyLock::new(StatusVocab::default);

fuzz_target!(|text: &str| {
    let _ = dates::parse_deadline_text(text, Some(2024));
    let _ = dates::parse_milestones(text, Some(2024));
    let _ = inspection::parse_mode(text);
    let _ = inspection::parse_findings(text);
    let _ = text.parse::<Period>();
    let _ = Period::find_in(text);
    let _ = VOCAB.classify(text);
    let _ = units::split_units(text);
    let _ = header::normalize_header(text);
    let _ = ROSTER.find_in(text);
    let _ = ROSTER.resolve(text);
});
