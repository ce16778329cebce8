//! `export` (a command and a pipeline step): chosen marts written for other
//! tools, one folder per period in the hive layout every Parquet reader
//! understands (`<out>/<mart>/period=2024Q2/<mart>.parquet`; a mart kept per
//! year, such as `mart_publicity`, by `year=2024`). A mart's folder is built
//! beside the old one and swapped in, so a reader never sees half an export.
//!
//! A mart with no rows is a folder holding only its manifest.
//!
//! Incremental: `<out>/<mart>/_taizhang_export.json` keeps a digest of each
//! period's rows (engines skip files whose names start with `_`). A period
//! whose rows and format are unchanged is not written again: its file is
//! hard-linked into the new folder, the same inode with the same mtime, so
//! a sync tool or a Spark job watching the folder sees only what changed.

use std::path::Path;

use crate::error::{Error, Result};
use crate::warehouse::{self, sql_string};

/// What an export wrote.
#[derive(Debug, Clone, Default)]
pub struct Exported {
    /// Files written (periods that were new or changed).
    pub files: usize,
    /// Rows in the files written.
    pub rows: usize,
    /// Periods whose file was kept as it was.
    pub unchanged: usize,
}

/// The name of a mart folder's manifest.
pub const MANIFEST: &str = "_taizhang_export.json";

/// What one mart folder holds: its format and each period's digest.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Manifest {
    format: String,
    /// `period=2024Q2` (or `year=2024`) → md5 of the rows, sorted.
    periods: std::collections::BTreeMap<String, String>,
}

/// Exports `marts` (None = every `mart_*`) as `parquet` or `csv` under `out`.
pub fn export(db: &Path, marts: Option<&[String]>, format: &str, out: &Path) -> Result<Exported> {
    let conn = warehouse::open_file_read_only(db)?;
    let available: Vec<String> = {
        let mut stmt = conn.prepare(
            "select table_name from information_schema.tables \
             where table_schema = 'main' and table_name like 'mart\\_%' escape '\\' order by table_name",
        )?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?
    };
    let chosen: Vec<String> = match marts {
        None => available.clone(),
        Some(list) => {
            for m in list {
                if !available.contains(m) {
                    return Err(Error::Usage(format!(
                        "仓库中没有 {m} / the warehouse has no {m}; marts: {}",
                        available.join(", ")
                    )));
                }
            }
            list.to_vec()
        }
    };
    let (ext, options) = match format {
        "parquet" => ("parquet", "(format parquet, compression snappy)"),
        "csv" => ("csv", "(format csv, header true)"),
        other => {
            return Err(Error::Usage(format!(
                "导出格式只能是 parquet 或 csv / export format {other:?}: use parquet or csv"
            )));
        }
    };
    std::fs::create_dir_all(out).map_err(Error::io(out))?;
    // An export that died here before (the folder may be outside the
    // workspace, where taking the lock does not look).
    crate::fsutil::recover_dirs(out)?;
    let mut done = Exported::default();
    for mart in &chosen {
        let target = out.join(mart);
        let tmp = crate::fsutil::temp_dir_for(&target);
        let _ = std::fs::remove_dir_all(&tmp);
        // A mart without rows (no department leads a county task, say) is
        // exported as its folder and manifest with no period in it: the
        // export says "nothing this time" instead of failing the run.
        std::fs::create_dir_all(&tmp).map_err(Error::io(&tmp))?;
        let has_period: bool = conn.query_row(
            "select count(*) > 0 from information_schema.columns \
             where table_schema = 'main' and table_name = ? and column_name = 'period'",
            [mart],
            |r| r.get(0),
        )?;
        let key = if has_period { "period" } else { "year" };
        let periods: Vec<String> = {
            let mut stmt = conn.prepare(&format!(
                "select distinct cast({key} as varchar) from {mart} where {key} is not null order by 1"
            ))?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?
        };
        // A manifest that is missing or unreadable only costs a full rewrite.
        let old: Manifest = std::fs::read(target.join(MANIFEST))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let mut manifest = Manifest {
            format: ext.to_string(),
            periods: Default::default(),
        };
        for period in &periods {
            let folder = format!("{key}={period}");
            let dir = tmp.join(&folder);
            std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
            let name = format!("{mart}.{ext}");
            let file = dir.join(&name);
            let selection = format!(
                "select * exclude ({key}) from {mart} where cast({key} as varchar) = {}",
                sql_string(period)
            );
            // The rows as text, sorted: the same rows give the same digest
            // whatever order the build left them in.
            let digest: String = conn.query_row(
                &format!(
                    "select md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) \
                     from ({selection}) t"
                ),
                [],
                |r| r.get(0),
            )?;
            let previous = target.join(&folder).join(&name);
            let kept = old.format == ext
                && old.periods.get(&folder) == Some(&digest)
                && std::fs::hard_link(&previous, &file).is_ok();
            if kept {
                done.unchanged += 1;
            } else {
                let n: usize = conn.execute(
                    &format!(
                        "copy ({selection}) to {} {options}",
                        sql_string(&file.display().to_string())
                    ),
                    [],
                )?;
                done.files += 1;
                done.rows += n;
            }
            manifest.periods.insert(folder, digest);
            crate::fsutil::crash_point("export-period");
        }
        let bytes = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
        let manifest_path = tmp.join(MANIFEST);
        std::fs::write(&manifest_path, bytes).map_err(Error::io(&manifest_path))?;
        crate::fsutil::replace_dir(&tmp, &target)?;
    }
    Ok(done)
}
