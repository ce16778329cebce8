//! The import summary a clerk reads, pinned as snapshots (paths scrubbed).

use super::common::*;

fn report_text(json: bool) -> String {
    let (_dir, ws) = workspace(None);
    let mut opts = options();
    opts.region = Some("罗江区".into());
    opts.period = Some("2024Q2".parse().unwrap());
    opts.received_at = Some(time("2024-07-05T09:00:00+08:00"));
    let report = ingest(
        &ws,
        &[fixture("bad_rows.xlsx"), fixture("no_ledger.xlsx")],
        &opts,
    );
    let mut out = Vec::new();
    taizhang::cli::ingest::print_summary(&report, false, json, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .replace(env!("CARGO_MANIFEST_DIR"), "[repo]")
}

#[test]
fn import_summary_lists_files_rows_and_issues_with_cells() {
    insta::assert_snapshot!(report_text(false));
}

#[test]
fn import_summary_as_json() {
    let value: serde_json::Value = serde_json::from_str(&report_text(true)).unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&value).unwrap());
}
