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

#[test]
fn an_ingest_killed_between_parts_is_recovered_by_the_next_run() {
    let clean = cli_workspace();
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

    for crash_at in ["archive:5", "archive-half:3", "lake-part:1", "lake-part:3"] {
        let crashed = cli_workspace();
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
        let torn = |ws: &std::path::Path| -> usize {
            std::fs::read_dir(ws.join("archive"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .filter(|p| {
                    let sha = taizhang::digest::sha256_file(p).unwrap();
                    p.file_stem().unwrap().to_string_lossy() != sha
                })
                .count()
        };
        if crash_at.starts_with("archive-half") {
            assert_eq!(
                torn(crashed.path()),
                1,
                "the crash leaves a half-written file"
            );
        }
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
        // Every archived file whole, under the hash of its bytes; every
        // receipt log a committed batch's.
        assert_eq!(torn(crashed.path()), 0, "{crash_at}");
        let archive = crashed.path().join("archive");
        let logs = std::fs::read_dir(archive.join("receipts")).unwrap().count();
        assert_eq!(logs, 1, "{crash_at}: the rerun's batch only");
    }
}

#[test]
fn a_build_that_fails_leaves_the_published_warehouse_alone() {
    let dir = cli_workspace();
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

/// Two ingests of one period, so each (table, period) has two parts.
fn ingested_in_two_batches() -> tempfile::TempDir {
    let dir = cli_workspace();
    for region in ["510603", "510604"] {
        let out = taizhang(dir.path())
            .arg("ingest")
            .arg(repo(&format!("sample-data/2024Q1/{region}")))
            .args(["--received-at", "2024-04-08T09:00:00+08:00"])
            .output()
            .unwrap();
        assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    }
    dir
}

fn parquet_files(ws: &std::path::Path) -> usize {
    crate::common::walk(&ws.join("lake"))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .count()
}

#[test]
fn a_compaction_killed_before_its_marker_changes_nothing_and_reruns() {
    let build = |ws: &std::path::Path| {
        assert!(taizhang(ws).arg("build").output().unwrap().status.success());
        figures(ws)
    };
    let clean = ingested_in_two_batches();
    let before = build(clean.path());
    let parts_before = parquet_files(clean.path());
    let out = taizhang(clean.path()).arg("compact").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(parquet_files(clean.path()) < parts_before, "fewer files");
    assert_eq!(build(clean.path()), before, "compaction keeps every figure");

    let crashed = ingested_in_two_batches();
    let out = taizhang(crashed.path())
        .arg("compact")
        .env("TAIZHANG_CRASH_AT", "lake-part:2")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the compaction must have died");
    // Its merged parts are not committed: the lake reads as before.
    assert_eq!(build(crashed.path()), before, "after the crash");
    let out = taizhang(crashed.path()).arg("compact").output().unwrap();
    assert!(out.status.success());
    assert_eq!(parquet_files(crashed.path()), parquet_files(clean.path()));
    assert_eq!(build(crashed.path()), before, "after the rerun");
}

/// A write that fails midway (here: `archive/` is a file, not a folder)
/// stops the ingest with the error, commits nothing, and the same ingest
/// succeeds once the cause is gone.
#[test]
fn an_ingest_that_cannot_archive_stops_with_the_error_and_commits_nothing() {
    let ws = cli_workspace();
    let archive = ws.path().join("archive");
    std::fs::remove_dir_all(&archive).unwrap();
    std::fs::write(&archive, b"not a folder").unwrap();
    let ingest = || {
        taizhang(ws.path())
            .arg("ingest")
            .arg(repo("sample-data"))
            .output()
            .unwrap()
    };
    let committed = || {
        std::fs::read_dir(ws.path().join("lake/_batches"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let out = ingest();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("archive"), "{stderr}");
    assert_eq!(committed(), 0, "no batch may be committed");

    std::fs::remove_file(&archive).unwrap();
    let rerun = ingest();
    assert_eq!(
        rerun.status.code(),
        Some(1),
        "the sample has two rejected rows: {}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(committed(), 1);
}

/// What only a run that is still writing (or died writing) leaves: hidden
/// temporaries (`.name.tmp-<pid>…`) and an export's folders moved aside.
fn leftovers(ws: &std::path::Path) -> Vec<std::path::PathBuf> {
    fn visit(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('.') && (name.contains(".tmp-") || name.contains(".old-")) {
                out.push(p.clone());
            }
            if p.is_dir() {
                visit(&p, out);
            }
        }
    }
    let mut out = Vec::new();
    visit(ws, &mut out);
    out
}

/// The lake's Parquet files that no committed batch lists.
fn uncommitted_parts(ws: &std::path::Path) -> usize {
    let lake = taizhang::lake::Lake::new(ws.join("lake"));
    let committed: std::collections::BTreeSet<_> = ["tasks", "submissions", "issues"]
        .iter()
        .flat_map(|t| lake.parts(t).unwrap())
        .collect();
    crate::common::walk(&ws.join("lake"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .filter(|p| {
            let table = p
                .strip_prefix(ws.join("lake"))
                .unwrap()
                .iter()
                .next()
                .unwrap();
            ["tasks", "submissions", "issues"].contains(&table.to_str().unwrap())
                && !committed.contains(p)
        })
        .count()
}

fn pipeline_with_export(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("export.toml");
    std::fs::write(
        &path,
        format!(
            "[[step]]\nrun = \"ingest\"\npaths = [{:?}]\n[[step]]\nrun = \"build\"\n[[step]]\nrun = \"export\"\nmarts = [\"mart_pilots\", \"mart_task_completion\"]\n",
            repo("sample-data").display().to_string()
        ),
    )
    .unwrap();
    path
}

/// Each kind of run, killed while it writes (an abort at a named point: no
/// destructor, no cleanup, like `kill -9`), leaves its temporaries behind;
/// the next run that takes the writer lock removes every one of them, and
/// moves an export's old folder back when the kill came mid-swap.
#[test]
fn whatever_a_killed_run_leaves_is_removed_by_the_next_writer() {
    let ws = cli_workspace();
    let pipeline = pipeline_with_export(ws.path());
    let run = |args: &[&str], crash_at: Option<&str>| {
        let mut cmd = taizhang(ws.path());
        cmd.args(args);
        if let Some(c) = crash_at {
            cmd.env("TAIZHANG_CRASH_AT", c);
        }
        cmd.output().unwrap()
    };
    let pipeline = pipeline.to_str().unwrap();
    // A finished pipeline first, so the export has folders to swap.
    assert!(
        run(&["run", pipeline], None)
            .status
            .code()
            .is_some_and(|c| c <= 1)
    );
    assert!(ws.path().join("export/mart_pilots").is_dir());
    // A resubmission of 旌阳区 2024Q2: new bytes, so the ingest has parts to write.
    let resubmitted = ws
        .path()
        .join("inbox/旌阳区2024年第二季度改革任务台账（更正）.xlsx");
    crate::common::write_one_task_ledger(&resubmitted, "德阳市旌阳区2024年第二季度改革任务台账");
    let resubmitted = resubmitted.to_str().unwrap().to_string();
    let ingest: [&str; 6] = [
        "ingest",
        &resubmitted,
        "--region",
        "510603",
        "--period",
        "2024Q2",
    ];
    // (a run to finish first, the run to kill, where it dies, what it leaves)
    type Case<'a> = (Option<&'a [&'a str]>, &'a [&'a str], &'a str, &'a str);
    let cases: [Case; 6] = [
        (None, &ingest, "lake-part:1", "lake/"),
        (None, &["build"], "build-model:3", ".warehouse.duckdb.tmp-"),
        (None, &["report"], "temp-written:1", "reports/"),
        (None, &["run", pipeline], "export-period:2", "export/"),
        (None, &["run", pipeline], "replace-dir:1", "export/"),
        // The resubmission's parts make the compaction's work.
        (Some(&ingest), &["compact"], "lake-part:1", "lake/"),
    ];
    for (first, args, crash_at, left_in) in cases {
        if let Some(first) = first {
            assert!(run(first, None).status.code().is_some_and(|c| c <= 1));
        }
        let out = run(args, Some(crash_at));
        assert!(
            !matches!(out.status.code(), Some(0..=2)),
            "{args:?} at {crash_at} must have died: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let left = leftovers(ws.path());
        let parts = uncommitted_parts(ws.path());
        assert!(
            left.iter().any(|p| p.to_string_lossy().contains(left_in)) || parts > 0,
            "{crash_at} left nothing in {left_in}: the test kills too late ({left:?})"
        );
        let next = run(&["build"], None);
        assert_eq!(
            next.status.code(),
            Some(0),
            "after {crash_at}: {}",
            String::from_utf8_lossy(&next.stderr)
        );
        assert_eq!(
            leftovers(ws.path()),
            Vec::<std::path::PathBuf>::new(),
            "after {crash_at}"
        );
        assert_eq!(uncommitted_parts(ws.path()), 0, "after {crash_at}");
        assert!(
            ws.path().join("export/mart_pilots").is_dir()
                && ws.path().join("export/mart_task_completion").is_dir(),
            "after {crash_at}: an export's old folder is moved back"
        );
    }
}

/// A run that fails midway without dying — a commit that named its receipt
/// log, then could not write its marker — leaves that log and the torn file
/// it lists. The writer lets go without the clean mark, so the next writer
/// sweeps them; a run that ended well lets the next one skip the sweep.
#[test]
fn a_run_that_failed_midway_is_swept_by_the_next_writer_and_one_that_ended_well_is_trusted() {
    use taizhang::service::Writer;
    let (dir, _) = workspace(None);
    let receipts = dir.path().join("archive/receipts");
    let sha = "ab".repeat(32);
    let torn = dir.path().join(format!("archive/{sha}.xlsx"));
    let orphan = receipts.join("0123456789abcdef.jsonl");
    let plant = || {
        std::fs::create_dir_all(&receipts).unwrap();
        std::fs::write(&torn, b"half a workbook").unwrap();
        std::fs::write(
            &orphan,
            format!("{{\"sha256\":\"{sha}\",\"ext\":\"xlsx\",\"file_name\":\"a.xlsx\"}}\n"),
        )
        .unwrap();
    };

    // A first writer sweeps whatever there is and ends well.
    let w = Writer::open(dir.path()).unwrap();
    w.recorded("test", |_| Ok(((), taizhang::runs::Verdict::Done)))
        .unwrap();
    drop(w);

    // Failed midway: the next writer removes the log no batch committed and
    // the torn file it lists.
    let w = Writer::open(dir.path()).unwrap();
    let failed: taizhang::Result<()> = w.recorded("test", |_| {
        plant();
        Err(taizhang::Error::Usage(
            "the marker could not be written".into(),
        ))
    });
    assert!(failed.is_err());
    drop(w);
    let w = Writer::open(dir.path()).unwrap();
    assert!(w.leftovers().temporaries >= 2, "{:?}", w.leftovers());
    assert!(!orphan.exists() && !torn.exists());
    w.recorded("test", |_| Ok(((), taizhang::runs::Verdict::Done)))
        .unwrap();
    drop(w);

    // Ended well: the next writer trusts it and lists nothing (what is
    // planted now stands for files only a dead writer could leave).
    plant();
    let w = Writer::open(dir.path()).unwrap();
    assert_eq!(w.leftovers().temporaries, 0);
    assert!(orphan.exists());
}
