//! `export` pipeline step: chosen marts written for other tools, one folder
//! per period in the hive layout every Parquet reader understands
//! (`<out>/<mart>/period=2024Q2/<mart>.parquet`; a mart kept per year, such
//! as `mart_publicity`, by `year=2024`). A mart's folder is built beside the
//! old one and swapped in, so a reader never sees half an export.

use std::path::Path;

use crate::error::{Error, Result};
use crate::warehouse::{self, sql_string};

/// What an export wrote.
#[derive(Debug, Clone, Default)]
pub struct Exported {
    pub files: usize,
    pub rows: usize,
}

/// Exports `marts` (None = every `mart_*`) as `parquet` or `csv` under `out`.
pub fn export(
    ws_root: &Path,
    marts: Option<&[String]>,
    format: &str,
    out: &Path,
) -> Result<Exported> {
    let conn = warehouse::open_read_only(ws_root)?;
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
        for period in &periods {
            let dir = tmp.join(format!("{key}={period}"));
            std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
            let file = dir.join(format!("{mart}.{ext}"));
            let n: usize = conn.execute(
                &format!(
                    "copy (select * exclude ({key}) from {mart} where cast({key} as varchar) = {}) to {} {options}",
                    sql_string(period),
                    sql_string(&file.display().to_string())
                ),
                [],
            )?;
            done.files += 1;
            done.rows += n;
            crate::fsutil::crash_point("export-period");
        }
        crate::fsutil::replace_dir(&tmp, &target)?;
    }
    Ok(done)
}
