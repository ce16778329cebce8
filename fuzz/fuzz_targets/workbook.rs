//! Bytes → workbook → ledger rows: the whole reading path a received file
//! takes, for every format. Nothing may panic, hang or run away.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use taizhang::config::Config;
use taizhang::ingest::file::{Context, Hints, parse_file};
use taizhang::ledger::Rules;
use taizhang::normalize::Roster;

static ROSTER: LazyLock<Roster> = LazyLock::new(|| Roster::from_csv(taizhang::workspace::DEFAULT_ROSTER).unwrap());
static CONFIG: LazyLock<Config> = LazyLock::new(|| Config::parse("[limits]\nmax_file_mb = 4\nmax_cells = 200000\n", "fuzz").unwrap());
static RULES: LazyLock<Rules> = LazyLock::new(|| CONFIG.rules());

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

fuzz_target!(|data: &[u8]| {
    let_calamine_panics_unwind();
    let ctx = Context { roster: &ROSTER, rules: &RULES, limits: CONFIG.limits };
    // The first byte picks the claimed format, so every reader is reached.
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = ["f.xlsx", "f.xls", "f.xlsb", "f.ods", "f.csv"][usize::from(pick) % 5];
    let _ = parse_file(bytes, name, &Hints::default(), ctx);
});
