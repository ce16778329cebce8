//! Crash safety: an ingest killed midway, then run again, gives the same
//! figures as one that was never interrupted.

use super::common::*;

fn figures(ws: &std::path::Path) -> Vec<Vec<String>> {
    let mut all = rows(
        ws,
        "select * from mart_task_completion order by period, scope_code",
    );
    all.extend(rows(
        ws,
        "select * from mart_submission_coverage order by period, scope_code, kind",
    ));
    all.extend(rows(ws, "select count(*) from raw_tasks"));
    all
}

fn prepared() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        taizhang(dir.path())
            .arg("init")
            .output()
            .unwrap()
            .status
            .success()
    );
    std::fs::copy(
        repo("sample-data/roster.csv"),
        dir.path().join("roster.csv"),
    )
    .unwrap();
    dir
}

#[test]
fn an_ingest_killed_between_parts_is_recovered_by_the_next_run() {
    let clean = prepared();
    let status = taizhang(clean.path())
        .arg("ingest")
        .arg(repo("sample-data"))
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(1), "the sample has two rejected rows");
    assert!(
        taizhang(clean.path())
            .arg("build")
            .output()
            .unwrap()
            .status
            .success()
    );

    for crash_at in ["archive:5", "lake-part:1", "lake-part:3"] {
        let crashed = prepared();
        // The process aborts at the named point, like a kill -9: no cleanup runs.
        let out = taizhang(crashed.path())
            .arg("ingest")
            .arg(repo("sample-data"))
            .env("TAIZHANG_CRASH_AT", crash_at)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{crash_at}: the ingest must have died"
        );
        let rerun = taizhang(crashed.path())
            .arg("ingest")
            .arg(repo("sample-data"))
            .output()
            .unwrap();
        assert_eq!(
            rerun.status.code(),
            Some(1),
            "{crash_at}: {}",
            String::from_utf8_lossy(&rerun.stderr)
        );
        assert!(
            taizhang(crashed.path())
                .arg("build")
                .output()
                .unwrap()
                .status
                .success()
        );
        assert_eq!(figures(crashed.path()), figures(clean.path()), "{crash_at}");
    }
}

#[test]
fn a_build_that_fails_leaves_the_published_warehouse_alone() {
    let dir = prepared();
    taizhang(dir.path())
        .arg("ingest")
        .arg(repo("sample-data"))
        .output()
        .unwrap();
    assert!(
        taizhang(dir.path())
            .arg("build")
            .output()
            .unwrap()
            .status
            .success()
    );
    let before = figures(dir.path());
    // A broken roster makes the next build fail before it publishes anything.
    std::fs::write(
        dir.path().join("roster.csv"),
        "code,name,level\n5106,德阳市,city\n",
    )
    .unwrap();
    let out = taizhang(dir.path()).arg("build").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("roster"));
    assert_eq!(figures(dir.path()), before);
}
