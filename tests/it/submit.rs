//! The single entry point for one received file (`service::submit`): the
//! response the portal will send, the same checks as a folder ingest, the
//! client's file name kept as data only.

use super::common::*;
use taizhang::ingest::{Received, Source};
use taizhang::service::{self, Writer};

fn received(name: &str, bytes: Vec<u8>) -> Received {
    Received {
        file_name: name.into(),
        content: bytes.into(),
        kind: None,
        region: Some("旌阳区".into()),
        period: Some("2024Q2".parse().unwrap()),
        received_at: Some(time("2024-07-03T09:30:00+08:00")),
        source: Source::Upload,
    }
}

#[test]
fn a_submitted_file_gets_the_upload_response_and_is_stored_once() {
    let (dir, _) = workspace(Some(DEYANG_ROSTER));
    let bytes = std::fs::read(fixture("bad_rows.xlsx")).unwrap();
    let writer = Writer::open(dir.path()).unwrap();

    // Checked first, nothing written: what the clerk would be told.
    let checked =
        service::check_submission(writer.ws(), received("台账.xlsx", bytes.clone())).unwrap();
    assert!(
        walk(&dir.path().join("archive")).is_empty(),
        "a check writes nothing"
    );

    let result = service::submit(&writer, received("../../etc/台账.xlsx", bytes.clone())).unwrap();
    assert_eq!(
        result.file_name, "台账.xlsx",
        "the client's name is data, never a path"
    );
    assert_eq!(result.status, "accepted");
    assert_eq!(result.region_code.as_deref(), Some("510603"));
    assert_eq!(result.period.as_deref(), Some("2024Q2"));
    assert_eq!(result.sha256.len(), 64);
    assert_eq!(result.submission_id, result.sha256[..16]);
    assert_eq!(result.ledgers.len(), 1);
    assert_eq!(result.ledgers[0].kind, "tasks");
    assert!(
        result.ledgers[0].rows_rejected > 0,
        "the fixture's bad rows"
    );
    let error = result
        .issues
        .iter()
        .find(|i| i.severity == "error")
        .expect("a rejected row's issue");
    assert!(error.sheet.is_some() && error.cell.is_some(), "{error:?}");
    assert!(!error.message_zh.is_empty() && !error.message_en.is_empty());
    assert_eq!(
        (checked.ledgers.clone(), checked.issues.clone()),
        (result.ledgers.clone(), result.issues.clone())
    );

    // Only the archive holds it, under its hash, with its receipt in the
    // batch's log.
    let archive = dir.path().join("archive");
    let archived: Vec<String> = walk(&archive)
        .iter()
        .filter(|p| p.parent() == Some(archive.as_path()))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(archived, [format!("{}.xlsx", result.sha256)]);
    let receipts = taizhang::receipts::lines(&archive).unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].0, result.sha256);
    assert_eq!(receipts[0].2["file_name"], "台账.xlsx");

    let again = service::submit(&writer, received("台账.xlsx", bytes)).unwrap();
    assert_eq!(again.status, "accepted", "the earlier read's status");
    assert!(again.already_received.is_some());
    assert!(again.ledgers.is_empty() && again.issues.is_empty());

    let json = serde_json::to_value(&result).unwrap();
    for key in [
        "submission_id",
        "sha256",
        "file_name",
        "status",
        "region_code",
        "period",
        "ledgers",
        "issues",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}
