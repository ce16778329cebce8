//! `taizhang init`: write a default workspace — commented `taizhang.toml`, the
//! default roster and the folders — without overwriting anything.

use std::io::Write;

use super::Globals;
use crate::service::Verdict;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(globals: &Globals, _args: Args) -> anyhow::Result<Verdict> {
    let created = crate::service::init(&globals.root())?;
    let mut out = std::io::stdout().lock();
    if globals.json {
        let paths: Vec<String> = created.iter().map(|p| p.display().to_string()).collect();
        writeln!(
            out,
            "{}",
            serde_json::json!({ "workspace": globals.root().display().to_string(), "created": paths })
        )?;
    } else if created.is_empty() {
        writeln!(
            out,
            "工作区已存在，未改动任何文件 / workspace already initialised, nothing changed: {}",
            globals.root().display()
        )?;
    } else {
        writeln!(
            out,
            "已创建工作区 / workspace created: {}",
            globals.root().display()
        )?;
        for p in created {
            writeln!(out, "  + {}", p.display())?;
        }
    }
    Ok(Verdict::Done)
}
