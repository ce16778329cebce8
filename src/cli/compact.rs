//! `taizhang compact`: merge the lake's parts so each (table, period) is one
//! file again. Ingest does this by itself once a (table, period) passes
//! [`crate::lake::AUTO_COMPACT_PARTS`] parts; this runs it now, for any group
//! with more than one.

use std::io::Write;

use super::Globals;
use crate::service::Verdict;
use crate::service::Writer;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(globals: &Globals, _args: Args) -> anyhow::Result<Verdict> {
    let writer = Writer::open(&globals.root())?;
    let (groups, parts) = crate::service::compact(&writer)?;
    let mut out = std::io::stdout().lock();
    super::print_leftovers(writer.leftovers(), globals.json, &mut out)?;
    if globals.json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "groups": groups, "parts_replaced": parts })
        )?;
    } else if groups == 0 {
        writeln!(
            out,
            "无需合并 / nothing to compact: every (table, period) is one part"
        )?;
    } else {
        writeln!(
            out,
            "已合并 / compacted: {parts} 个分片合并为 {groups} 个 / {parts} parts into {groups}"
        )?;
    }
    Ok(Verdict::Done)
}
