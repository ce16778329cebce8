//! `taizhang query SQL`: answer from the warehouse, read-only. A build that
//! runs meanwhile writes a new file and renames it, so a query never blocks it.

use super::Globals;
use super::output::{self, Format};
use crate::service::Verdict;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// SQL 查询 / the SQL to run.
    pub sql: String,

    /// 输出格式 / output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let batches = crate::service::query(&globals.root(), &args.sql)?;
    output::write(&batches, args.format, &mut std::io::stdout().lock())?;
    Ok(Verdict::Done)
}
