//! Command-line interface: one file per subcommand, each with its clap
//! arguments and a `run` function.

pub mod build;
pub mod compact;
pub mod docs;
pub mod export;
pub mod ingest;
pub mod init;
pub mod output;
pub mod query;
pub mod report;
pub mod run;
pub mod runs;
pub mod sample;
pub mod schedule;
pub mod serve;
pub mod template;
pub mod token;
pub mod trace;

use clap::{Parser, Subcommand};

use crate::service::Verdict;
use std::path::PathBuf;

/// taizhang：改革落实台账的数据管道与分析仓库 / the reform-ledger pipeline and warehouse.
#[derive(Debug, Parser)]
#[command(name = "taizhang", version, about, long_about = None)]
pub struct Cli {
    /// 工作区目录 / workspace folder (default: the current folder).
    #[arg(long, global = true, env = "TAIZHANG_WORKSPACE", value_name = "DIR")]
    pub workspace: Option<PathBuf>,

    /// 以 JSON 输出摘要 / print machine-readable JSON summaries.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 创建工作区 / write a default workspace (config, roster, folders); never overwrites.
    Init(init::Args),
    /// 导入台账 / read ledger files or folders into the archive and the lake.
    Ingest(ingest::Args),
    /// 构建仓库 / rebuild warehouse.duckdb from the lake and run the data tests.
    Build(build::Args),
    /// 合并分片 / merge the lake's parts into one per (table, period), keeping every row.
    Compact(compact::Args),
    /// 数据字典 / write the warehouse's data dictionary, generated from the models.
    Docs(docs::Args),
    /// 导出指标 / write marts as Parquet or CSV, one folder per period; unchanged periods are kept.
    Export(export::Args),
    /// 查询仓库 / run read-only SQL against the warehouse.
    Query(query::Args),
    /// 期报告 / write the period's report (Excel and/or HTML) from the warehouse.
    Report(report::Args),
    /// 运行记录 / list recent runs of ingest, build and pipelines.
    Runs(runs::Args),
    /// 定时任务 / print a crontab line or systemd units that run a pipeline.
    Schedule(schedule::Args),
    /// 生成样例台账 / write deterministic synthetic ledgers.
    Sample(sample::Args),
    /// 运行流水线 / run a pipeline file (pipelines/*.toml).
    Run(run::Args),
    /// 生成空白台账模板 / write a blank ledger template for clerks.
    Template(template::Args),
    /// 追溯指标来源 / list the ledger rows (file, sheet, row, cell) behind a figure.
    Trace(trace::Args),
    /// 报送门户 / serve the upload portal and its JSON API.
    Serve(serve::Args),
    /// 单位令牌 / issue, list and revoke the portal's unit tokens.
    Token(token::Args),
}

/// One line saying what taking the lock cleared away, when it cleared anything.
pub fn print_leftovers(
    left: crate::workspace::Leftovers,
    json: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if json || left.total() == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "已清理中断运行留下的 {} 个文件 / removed {} files left by an interrupted run",
        left.total(),
        left.total()
    )
}

/// `--warehouse FILE`: the warehouse a reading command reads.
#[derive(Debug, Clone, clap::Args)]
pub struct WarehouseArg {
    /// 读取的仓库文件（默认 工作区/warehouse.duckdb；如 build --as-of 写出的文件）/
    /// the warehouse file to read (default: the workspace's warehouse.duckdb;
    /// for example the file a `build --as-of` wrote).
    #[arg(long, value_name = "FILE")]
    pub warehouse: Option<PathBuf>,
}

impl WarehouseArg {
    pub fn path(&self, globals: &Globals) -> PathBuf {
        self.warehouse
            .clone()
            .unwrap_or_else(|| globals.root().join("warehouse.duckdb"))
    }
}

/// Global settings every command sees.
#[derive(Debug, Clone)]
pub struct Globals {
    /// `--workspace` as given; `None` means the current folder.
    pub workspace: Option<PathBuf>,
    pub json: bool,
}

impl Globals {
    pub fn root(&self) -> PathBuf {
        self.workspace.clone().unwrap_or_else(|| PathBuf::from("."))
    }
}

pub fn run(cli: Cli) -> anyhow::Result<Verdict> {
    let globals = Globals {
        workspace: cli.workspace,
        json: cli.json,
    };
    match cli.command {
        Command::Init(args) => init::run(&globals, args),
        Command::Ingest(args) => ingest::run(&globals, args),
        Command::Build(args) => build::run(&globals, args),
        Command::Query(args) => query::run(&globals, args),
        Command::Export(args) => export::run(&globals, args),
        Command::Docs(args) => docs::run(&globals, args),
        Command::Compact(args) => compact::run(&globals, args),
        Command::Sample(args) => sample::run(&globals, args),
        Command::Report(args) => report::run(&globals, args),
        Command::Runs(args) => runs::run(&globals, args),
        Command::Schedule(args) => schedule::run(&globals, args),
        Command::Run(args) => run::run(&globals, args),
        Command::Template(args) => template::run(&globals, args),
        Command::Trace(args) => trace::run(&globals, args),
        Command::Serve(args) => serve::run(&globals, args),
        Command::Token(args) => token::run(&globals, args),
    }
}
