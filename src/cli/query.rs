//! `taizhang query SQL`: answer from the warehouse, read-only. A build that
//! runs meanwhile writes a new file and renames it, so a query never blocks it.

use super::output::{self, Format};
use super::{Globals, Outcome};
use crate::warehouse;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// SQL 查询 / the SQL to run.
    pub sql: String,

    /// 输出格式 / output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Outcome> {
    let batches = query(&globals.root(), &args.sql)?;
    output::write(&batches, args.format, &mut std::io::stdout().lock())?;
    Ok(Outcome::Done)
}

/// Runs one read-only query against the workspace's warehouse.
pub fn query(
    workspace: &std::path::Path,
    sql: &str,
) -> anyhow::Result<Vec<arrow::array::RecordBatch>> {
    let conn = warehouse::open_read_only(workspace)?;
    let mut stmt = conn.prepare(sql)?;
    Ok(stmt.query_arrow([])?.collect())
}
