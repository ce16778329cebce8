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

fuzz_target!(|data: &[u8]| {
    let ctx = Context { roster: &ROSTER, rules: &RULES, limits: CONFIG.limits };
    // The first byte picks the claimed format, so every reader is reached.
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = ["f.xlsx", "f.xls", "f.xlsb", "f.ods", "f.csv"][usize::from(pick) % 5];
    let _ = parse_file(bytes, name, &Hints::default(), ctx);
});
