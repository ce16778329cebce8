//! What both workbook targets share: the context a received file is parsed
//! in, and how a panic is told from one taizhang lets through.

use std::sync::LazyLock;
use taizhang::config::Config;
use taizhang::ingest::parse::{Context, Hints, ParsedFile, parse_file};
use taizhang::ledger::Rules;
use taizhang::normalize::Roster;

static ROSTER: LazyLock<Roster> = LazyLock::new(|| Roster::from_csv(taizhang::workspace::DEFAULT_ROSTER).unwrap());
static CONFIG: LazyLock<Config> = LazyLock::new(|| Config::parse("[limits]\nmax_file_mb = 4\nmax_cells = 200000\n", "fuzz").unwrap());
static RULES: LazyLock<Rules> = LazyLock::new(|| CONFIG.rules());

/// Parses `bytes` as a file received under `name`, as ingest does.
pub fn parse(bytes: &[u8], name: &str) -> ParsedFile {
    let_calamine_panics_unwind();
    let ctx = Context { roster: &ROSTER, rules: &RULES, limits: CONFIG.limits, keep_marked_sheets: false };
    parse_file(bytes, name, &Hints::default(), ctx)
}

/// calamine panics on some damaged files; taizhang catches those panics
/// (`catch_unwind` in `ingest/file.rs`) and rejects the file. libFuzzer
/// aborts on every panic, so panics raised inside calamine are let unwind to
/// that catch; any other panic still aborts.
fn let_calamine_panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("/calamine-")) {
                abort(info);
            }
        }));
    });
}
