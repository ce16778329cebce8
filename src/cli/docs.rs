//! `taizhang docs --out DIR`: the warehouse's data dictionary, generated from
//! the models' header comments (and the built warehouse's column types).

use std::io::Write;
use std::path::PathBuf;

use super::Globals;
use crate::service::Verdict;
use crate::warehouse::docs;
use crate::warehouse::{self, models};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DocFormat {
    Markdown,
    Html,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 输出文件夹 / the folder to write warehouse.md or warehouse.html into.
    #[arg(long)]
    pub out: PathBuf,

    /// 格式 / format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: DocFormat,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let root = globals.root();
    let (all, _) = models::with_overrides(&root)?;
    let conn = warehouse::open_read_only(&root).ok();
    let dictionary = docs::dictionary(&all, conn.as_ref())?;
    let (file, text) = match args.format {
        DocFormat::Markdown => ("warehouse.md", docs::markdown(&dictionary)),
        DocFormat::Html => ("warehouse.html", docs::html(&dictionary)),
    };
    std::fs::create_dir_all(&args.out).map_err(crate::Error::io(&args.out))?;
    let path = args.out.join(file);
    crate::fsutil::write_bytes_atomic(&path, text.as_bytes())?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "数据字典已生成 / data dictionary written: {} ({} 个模型与表 models and tables)",
        path.display(),
        dictionary.len()
    )?;
    if conn.is_none() {
        writeln!(
            out,
            "  提示：尚未构建仓库，未列出列类型 / note: no warehouse built yet, so column types are left out"
        )?;
    }
    let mut outcome = Verdict::Done;
    for d in dictionary.iter().filter(|d| !d.undocumented.is_empty()) {
        outcome = Verdict::Partial;
        writeln!(
            out,
            "  警告 {} 有未说明的列 / warning: {} has undocumented columns: {}",
            d.name,
            d.name,
            d.undocumented.join(", ")
        )?;
    }
    Ok(outcome)
}
