//! Bytes → workbook → ledger rows: the whole reading path a received file
//! takes, for every format. Nothing may panic, hang or run away.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the claimed format, so every reader is reached.
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = ["f.xlsx", "f.xls", "f.xlsb", "f.ods", "f.csv"][usize::from(pick) % 5];
    let _ = common::parse(bytes, name);
});
