//! The archive (DESIGN §2, §6): every received file byte for byte with its
//! receipt (`archive/<sha256>.json`: when, how, under which name and hints),
//! the receipt times of `received.csv`, and the replay of the archive that
//! reproduces the lake.

use chrono::{DateTime, FixedOffset};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::inputs::{Input, Options, Receipt, ReceiptHints, source_of};
use super::parse::ParsedFile;
use crate::error::{Error, Result};
use crate::normalize::time::parse_time;
use crate::workspace::Workspace;

/// The archived files below `dir` (an `archive/` folder), each with its
/// receipt, oldest receipt first: ingesting them reproduces the lake's rows.
/// Receipts are read from the batches' logs (`receipts/<batch>.jsonl`) and
/// from the `<sha256>.json` files of workspaces archived before them.
pub fn collect_archive(dir: &Path) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    let input = |path: PathBuf, attempt: Receipt| Input {
        path,
        root: dir.to_path_buf(),
        replay: Some(attempt),
        bytes: None,
        given: None,
        spooled: false,
    };
    for (sha, ext, value) in crate::receipts::lines(dir)? {
        let receipt: Receipt = serde_json::from_value(value)?;
        let data = dir.join(format!("{sha}.{ext}"));
        if !data.is_file() {
            return Err(no_file(&data));
        }
        out.push(input(data, receipt));
    }
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(Error::io(dir))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(Error::io(dir))?;
    entries.sort();
    for receipt_path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let Some(sha) = receipt_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
        else {
            continue;
        };
        let text = fs::read_to_string(receipt_path).map_err(Error::io(receipt_path))?;
        let mut receipt: Receipt = serde_json::from_str(&text)?;
        let data = entries.iter().find(|p| {
            p.file_stem().is_some_and(|s| s.to_string_lossy() == sha)
                && p.extension().is_none_or(|e| e != "json")
        });
        let Some(data) = data else {
            return Err(no_file(receipt_path));
        };
        // Each attempt at these bytes (a file rejected, then read again with
        // other hints), in the order they were made.
        let earlier = std::mem::take(&mut receipt.earlier);
        for attempt in earlier.into_iter().chain([receipt]) {
            out.push(input(data.clone(), attempt));
        }
    }
    out.sort_by(|a, b| {
        let key = |i: &Input| i.replay.as_ref().map(|r| r.received_at.clone());
        key(a).cmp(&key(b)).then_with(|| a.path.cmp(&b.path))
    });
    Ok(out)
}

fn no_file(receipt: &Path) -> Error {
    Error::Usage(format!(
        "{} 没有对应的文件 / has no archived file",
        receipt.display()
    ))
}

/// The latest receipt of the bytes `sha256` in the archive `dir`, if any.
pub fn receipt_of(dir: &Path, sha256: &str) -> Option<Receipt> {
    if let Ok(text) = fs::read(dir.join(format!("{sha256}.json"))) {
        return serde_json::from_slice(&text).ok();
    }
    crate::receipts::lines(dir)
        .ok()?
        .into_iter()
        .filter(|(sha, _, _)| sha == sha256)
        .filter_map(|(_, _, value)| serde_json::from_value::<Receipt>(value).ok())
        .max_by(|a, b| a.received_at.cmp(&b.received_at))
}

/// The extension a received file is archived under
/// (`archive/<sha256>.<ext>`): its name's, in lower case, when it names a
/// format taizhang reads, else `bin`. The name is the sender's: a 300-letter
/// extension made the archive's name too long for the file system, and
/// `.json` would have taken the receipt's name.
pub fn extension_of(file_name: &str) -> String {
    match super::read::Format::from_file_name(file_name) {
        Some(_) => Path::new(file_name)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_else(|| "bin".into()),
        None => "bin".into(),
    }
}

/// Archives one file: its receipt appended to the batch's log, then its
/// bytes written once, in place, under their content address
/// (`archive/<sha256>.<ext>`) — no temporary name and rename per file. The
/// log names the file before it is started, so a crash's torn file is found
/// and removed by the next writer ([`crate::receipts::recover`]); bytes
/// already archived whole (an earlier attempt, or a batch that died) are
/// checked against their name and kept.
#[allow(clippy::too_many_arguments)]
pub(super) fn archive(
    ws: &Workspace,
    log: &mut crate::receipts::Log,
    hints: &super::parse::Hints,
    input: &Input,
    sha: &str,
    ext: &str,
    data: Option<&[u8]>,
    received_at: DateTime<FixedOffset>,
    opts: &Options,
    parsed: &ParsedFile,
) -> Result<()> {
    let receipt = Receipt {
        received_at: received_at.to_rfc3339(),
        source: source_of(input, opts),
        file_name: input.file_name(),
        region: parsed.region_code.clone(),
        period: parsed.period.map(|p| p.to_string()),
        kind: hints.kind.map(|k| k.as_str().to_string()),
        hints: Some(ReceiptHints::from_hints(hints)),
        earlier: Vec::new(),
    };
    log.append(sha, ext, &receipt)?;
    // Written without a flush each: the batch's commit flushes the file
    // system once before its marker makes the rows visible.
    let dir = ws.archive();
    let path = dir.join(format!("{sha}.{ext}"));
    let fill = |file: &mut fs::File| -> std::io::Result<()> {
        use std::io::Write;
        match data {
            // A crash test's torn file: half the bytes, then the abort.
            Some(bytes) if crate::fsutil::crash_armed("archive-half") => {
                let (first, rest) = bytes.split_at(bytes.len() / 2);
                file.write_all(first)?;
                crate::fsutil::crash_point("archive-half");
                file.write_all(rest)
            }
            Some(bytes) => file.write_all(bytes),
            None => std::io::copy(&mut fs::File::open(&input.path)?, file).map(|_| ()),
        }
    };
    if input.spooled && link(&input.path, &path, &dir) {
        return Ok(());
    }
    let create_new = || {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
    };
    let file = match create_new() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
            create_new()
        }
        other => other,
    };
    let mut file = match file {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if crate::digest::sha256_file(&path).is_ok_and(|found| found == sha) {
                return Ok(());
            }
            // Torn by a crash no writer has recovered from yet: rewritten.
            fs::File::create(&path).map_err(Error::io(&path))?
        }
        Err(e) => return Err(Error::io(&path)(e)),
    };
    fill(&mut file).map_err(|e| {
        drop(file);
        let _ = fs::remove_file(&path);
        Error::io(&path)(e)
    })
}

/// Archives a spooled upload at `path` by a hard link to it; false when
/// that cannot be done here (bytes already there, to be checked; a file
/// system without links), and the bytes are to be copied instead.
fn link(spooled: &Path, path: &Path, dir: &Path) -> bool {
    match fs::hard_link(spooled, path) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !dir.exists() => {
            fs::create_dir_all(dir).is_ok() && fs::hard_link(spooled, path).is_ok()
        }
        Err(_) => false,
    }
}

/// `received.csv` files, read once per folder.
#[derive(Default)]
pub(super) struct ReceivedTimes {
    by_dir: HashMap<PathBuf, Option<HashMap<PathBuf, DateTime<FixedOffset>>>>,
}

pub(super) enum Lookup {
    Found(DateTime<FixedOffset>),
    /// The nearest `received.csv` does not list the file.
    Omitted(PathBuf),
    NoCsv,
}

impl ReceivedTimes {
    /// The nearest `received.csv` at or above the file's folder, up to `root`.
    pub(super) fn lookup(&mut self, path: &Path, root: &Path) -> Result<Lookup> {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if let Some(map) = self.load(d)? {
                let rel = path.strip_prefix(d).unwrap_or(path);
                return Ok(match map.get(rel) {
                    Some(t) => Lookup::Found(*t),
                    None => Lookup::Omitted(d.join("received.csv")),
                });
            }
            if d == root {
                break;
            }
            dir = d.parent();
        }
        Ok(Lookup::NoCsv)
    }

    fn load(&mut self, dir: &Path) -> Result<Option<&HashMap<PathBuf, DateTime<FixedOffset>>>> {
        if !self.by_dir.contains_key(dir) {
            let csv_path = dir.join("received.csv");
            let map = if csv_path.is_file() {
                Some(read_received_csv(&csv_path)?)
            } else {
                None
            };
            self.by_dir.insert(dir.to_path_buf(), map);
        }
        Ok(self.by_dir[dir].as_ref())
    }
}

/// `path,received_at` with paths relative to the csv's folder.
fn read_received_csv(path: &Path) -> Result<HashMap<PathBuf, DateTime<FixedOffset>>> {
    let text = fs::read_to_string(path).map_err(Error::io(path))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let bad = |line: usize, msg: String| Error::Usage(format!("{}:{line}: {msg}", path.display()));
    let mut map = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(i + 2, e.to_string()))?;
        let (Some(p), Some(t)) = (record.get(0), record.get(1)) else {
            return Err(bad(
                i + 2,
                "需要 path,received_at 两列 / expected path,received_at".into(),
            ));
        };
        let time = parse_time(t).ok_or_else(|| {
            bad(
                i + 2,
                format!(
                    "时间 {t:?} 无法识别 / bad time; use RFC 3339 such as 2024-07-05T09:30:00+08:00"
                ),
            )
        })?;
        map.insert(PathBuf::from(p.trim().replace('\\', "/")), time);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    /// A spooled upload is archived as the same file (a hard link: no new
    /// inode, and none freed when the spool lets go of it); bytes already at
    /// the address that are not these (a torn file) are still replaced.
    #[cfg(unix)]
    #[test]
    fn a_spooled_upload_is_archived_by_a_link_and_a_torn_file_is_still_replaced() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        crate::workspace::Workspace::init(dir.path()).unwrap();
        let ws = crate::workspace::Workspace::open(dir.path()).unwrap();
        let incoming = dir.path().join("portal/incoming");
        std::fs::create_dir_all(&incoming).unwrap();
        let opts = crate::ingest::Options {
            kind: None,
            region: None,
            period: None,
            received_at: None,
            dry_run: false,
            source: crate::ingest::Source::Upload,
        };
        let at = chrono::DateTime::parse_from_rfc3339("2024-07-01T00:00:00+08:00").unwrap();
        let mut log = crate::receipts::Log::new(&ws.archive());
        let mut archive = |bytes: &[u8]| {
            let spool = incoming.join(crate::digest::sha256_hex(bytes));
            std::fs::write(&spool, bytes).unwrap();
            let input = crate::ingest::Input::received_file("台账.csv", spool.clone());
            assert!(input.spooled);
            let sha = crate::digest::sha256_hex(bytes);
            super::archive(
                &ws,
                &mut log,
                &Default::default(),
                &input,
                &sha,
                "csv",
                Some(bytes),
                at,
                &opts,
                &Default::default(),
            )
            .unwrap();
            let archived = ws.archive().join(format!("{sha}.csv"));
            assert_eq!(std::fs::read(&archived).unwrap(), bytes);
            let ino = |p: &std::path::Path| std::fs::metadata(p).unwrap().ino();
            (ino(&spool) == ino(&archived), archived)
        };
        let (linked, _) = archive(b"a,b\n1,2\n");
        assert!(linked, "archived by a link");

        let bytes = b"c,d\n3,4\n";
        let torn = ws
            .archive()
            .join(format!("{}.csv", crate::digest::sha256_hex(bytes)));
        std::fs::write(&torn, &bytes[..3]).unwrap();
        let (linked, archived) = archive(bytes);
        assert!(!linked, "a torn file in the way is rewritten, not linked");
        assert_eq!(std::fs::read(archived).unwrap(), bytes);
    }

    #[test]
    fn only_the_extensions_of_formats_read_name_an_archived_file() {
        let long = format!("long.{}", "x".repeat(300));
        for (name, ext) in [
            ("台账.XLSX", "xlsx"),
            ("a.b.xlsm", "xlsm"),
            ("old.xls", "xls"),
            ("export.csv", "csv"),
            ("receipt.json", "bin"),
            ("no_extension", "bin"),
            ("x.exe", "bin"),
            (long.as_str(), "bin"),
        ] {
            assert_eq!(super::extension_of(name), ext, "{name}");
        }
    }

    /// Workspaces archived before the receipt logs keep a `<sha256>.json`
    /// beside each file, with its earlier attempts inside: a replay reads
    /// them with the logs' lines, every attempt in time order.
    #[test]
    fn receipts_of_both_layouts_are_replayed_in_time_order() {
        let dir = tempfile::tempdir().unwrap();
        let receipt = |at: &str, name: &str| {
            serde_json::json!({
                "received_at": at, "source": "cli", "file_name": name,
                "region": null, "period": null, "kind": null
            })
        };
        let old_sha = crate::digest::sha256_hex(b"old");
        std::fs::write(dir.path().join(format!("{old_sha}.csv")), b"old").unwrap();
        let mut legacy = receipt("2024-07-03T00:00:00+08:00", "second.csv");
        legacy["earlier"] = serde_json::json!([receipt("2024-07-01T00:00:00+08:00", "first.csv")]);
        std::fs::write(
            dir.path().join(format!("{old_sha}.json")),
            serde_json::to_vec(&legacy).unwrap(),
        )
        .unwrap();
        let new_sha = crate::digest::sha256_hex(b"new");
        std::fs::write(dir.path().join(format!("{new_sha}.xlsx")), b"new").unwrap();
        let mut log = crate::receipts::Log::new(dir.path());
        log.append(
            &new_sha,
            "xlsx",
            &receipt("2024-07-02T00:00:00+08:00", "middle.xlsx"),
        )
        .unwrap();
        log.finish("b1").unwrap();

        let inputs = super::collect_archive(dir.path()).unwrap();
        let names: Vec<&str> = inputs
            .iter()
            .map(|i| i.replay.as_ref().unwrap().file_name.as_str())
            .collect();
        assert_eq!(names, ["first.csv", "middle.xlsx", "second.csv"]);
        assert!(inputs[1].path.ends_with(format!("{new_sha}.xlsx")));
        assert_eq!(
            super::receipt_of(dir.path(), &new_sha).unwrap().file_name,
            "middle.xlsx"
        );
        assert_eq!(
            super::receipt_of(dir.path(), &old_sha).unwrap().file_name,
            "second.csv"
        );
    }
}
