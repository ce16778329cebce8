//! Real spreadsheets from other projects' test suites (see
//! `tests/fixtures/realworld/SOURCES.md`): several are deliberately broken.
//! Each must end accepted, or rejected with a code — never a panic or a hang.

use taizhang::config::Config;
use taizhang::ingest::Severity;

use super::common::{fixture, jingyang_2024q2, read_file};

#[test]
fn every_real_world_workbook_ends_accepted_or_rejected_with_a_code() {
    let config = Config::default();
    let hints = jingyang_2024q2();
    let dir = fixture("realworld");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("LICENSE") && !n.ends_with(".md"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 60);
    let mut rejected = 0;
    for name in &names {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let parsed = read_file(&bytes, name, &hints, &config);
        if !parsed.accepted() {
            rejected += 1;
            let error = parsed.issues.iter().find(|i| i.severity == Severity::Error);
            assert!(
                error.is_some(),
                "{name}: rejected without an error code: {:?}",
                parsed.issues
            );
            assert!(!error.unwrap().message_zh.is_empty() && !error.unwrap().message_en.is_empty());
        }
    }
    // None of them is a reform ledger, so all are rejected — each with a reason.
    assert_eq!(rejected, names.len());
}
