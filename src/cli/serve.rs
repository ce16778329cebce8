//! `taizhang serve`: the upload portal on one address (see `portal`), the
//! read-only PostgreSQL endpoint with `--pg ADDR` (see `pg`), beside it or
//! alone (`--no-portal`), or `--print systemd` for a service unit.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::Globals;
use crate::portal::{self, Settings};
use crate::service::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Print {
    Systemd,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 监听地址 / the address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// 上传停顿多少秒后重建仓库 / seconds of quiet after an upload before the warehouse is rebuilt.
    #[arg(long, default_value_t = 2)]
    pub rebuild_after: u64,

    /// 等待批处理释放写锁的秒数 / seconds an upload waits for a batch job's lock before 503.
    #[arg(long, default_value_t = 10)]
    pub lock_wait: u64,

    /// PostgreSQL 只读端点地址 / also serve the warehouse over the PostgreSQL protocol here (read-only; password: a province token).
    #[arg(long, value_name = "ADDR")]
    pub pg: Option<SocketAddr>,

    /// 只启动 PostgreSQL 端点 / serve only the PostgreSQL endpoint, not the portal.
    #[arg(long, requires = "pg")]
    pub no_portal: bool,

    // The PostgreSQL endpoint's limits: each flag overrides its key of
    // `[pg]` in taizhang.toml, where the defaults are (config::Pg).
    /// 单条查询的秒数上限 / seconds a statement on the PostgreSQL endpoint may run, sending included ([pg] statement_timeout_secs, 60).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub pg_timeout: Option<u64>,

    /// 单条查询的行数上限 / rows a statement on the PostgreSQL endpoint may return ([pg] max_rows, 1000000).
    #[arg(long, value_name = "ROWS", value_parser = at_least_one)]
    pub pg_max_rows: Option<usize>,

    /// 单条查询结果的 MB 上限 / MiB of rows, as sent, a statement may return ([pg] max_result_mb, 1024).
    #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u64).range(1..))]
    pub pg_max_result_mb: Option<u64>,

    /// 同时连接数上限 / connections the PostgreSQL endpoint takes at once ([pg] max_connections, 64).
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub pg_max_connections: Option<usize>,

    /// 登录限时（秒）/ seconds a PostgreSQL connection has to sign in ([pg] startup_timeout_secs, 10).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub pg_startup_timeout: Option<u64>,

    /// 端点查询内存上限（MB）/ MiB of memory DuckDB may use for all the endpoint's queries ([pg] memory_mb, 2048).
    #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u64).range(64..))]
    pub pg_memory_mb: Option<u64>,

    /// 端点查询线程数 / threads DuckDB may use for the endpoint's queries ([pg] threads, 4).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub pg_threads: Option<u32>,

    /// 输出 systemd 服务单元而不启动 / print a systemd service unit instead of serving.
    #[arg(long, value_enum)]
    pub print: Option<Print>,
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let root = globals.root();
    if let Some(Print::Systemd) = args.print {
        let mut out = std::io::stdout().lock();
        write!(out, "{}", systemd_unit(&root, &args)?)?;
        return Ok(Verdict::Done);
    }
    if let Some(pg_addr) = args.pg {
        let pg = crate::pg::Settings::new(root.clone(), pg_addr, &pg_limits(&root, &args)?);
        let ready = |addr| {
            println!("listening on postgresql://{addr}");
            let _ = std::io::stdout().flush();
        };
        if args.no_portal {
            crate::pg::serve(pg, ready)?;
            return Ok(Verdict::Done);
        }
        // Beside the portal: its own thread and runtime. A failure to start
        // (no warehouse yet, address taken) is said, and the portal goes on.
        std::thread::spawn(move || {
            if let Err(e) = crate::pg::serve(pg, ready) {
                eprintln!("taizhang: PostgreSQL 端点 / endpoint: {e}");
            }
        });
    }
    let mut settings = Settings::new(root, args.addr);
    settings.rebuild_after = std::time::Duration::from_secs(args.rebuild_after);
    settings.lock_wait = std::time::Duration::from_secs(args.lock_wait);
    portal::serve(settings, |addr| {
        // The first line says where to connect (tests and scripts read it).
        println!("listening on http://{addr}");
        let _ = std::io::stdout().flush();
    })?;
    Ok(Verdict::Done)
}

fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("expected a whole number of at least 1, not {s:?}")),
    }
}

/// `[pg]` of the workspace's config, with the flags given over it.
fn pg_limits(root: &Path, args: &Args) -> anyhow::Result<crate::config::Pg> {
    let mut pg = crate::workspace::Workspace::open(root)?.config.pg;
    let flags = [
        (args.pg_timeout, &mut pg.statement_timeout_secs),
        (args.pg_max_result_mb, &mut pg.max_result_mb),
        (args.pg_startup_timeout, &mut pg.startup_timeout_secs),
        (args.pg_memory_mb, &mut pg.memory_mb),
    ];
    for (flag, key) in flags {
        if let Some(v) = flag {
            *key = v;
        }
    }
    if let Some(v) = args.pg_max_rows {
        pg.max_rows = v;
    }
    if let Some(v) = args.pg_max_connections {
        pg.max_connections = v;
    }
    if let Some(v) = args.pg_threads {
        pg.threads = v;
    }
    pg.check().map_err(crate::error::Error::Usage)?;
    Ok(pg)
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn systemd_unit(root: &Path, args: &Args) -> anyhow::Result<String> {
    let exe = absolute(&std::env::current_exe()?);
    let ws = absolute(root);
    // Enough descriptors for `[portal] max_connections` (a socket and a
    // spooled upload each) and the endpoint's clients beside them;
    // systemd's default soft limit (1024) is not.
    let portal = crate::workspace::Workspace::open(root)
        .map(|w| w.config.portal)
        .unwrap_or_default();
    let open_files = portal.open_files_needed().max(65_536);
    Ok(format!(
        "# /etc/systemd/system/taizhang-portal.service\n\
         [Unit]\n\
         Description=taizhang upload portal (改革落实台账报送)\n\
         After=network-online.target\n\
         Wants=network-online.target\n\
         \n\
         [Service]\n\
         Type=simple\n\
         ExecStart={} --workspace {} serve --addr {}{}\n\
         WorkingDirectory={}\n\
         Restart=on-failure\n\
         RestartSec=5\n\
         # Each connection holds a descriptor or two ([portal] max_connections).\n\
         LimitNOFILE={open_files}\n\
         # Request lines go to the journal: journalctl -u taizhang-portal\n\
         NoNewPrivileges=true\n\
         ProtectSystem=strict\n\
         ReadWritePaths={}\n\
         PrivateTmp=true\n\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n",
        exe.display(),
        ws.display(),
        args.addr,
        args.pg.map(|a| format!(" --pg {a}")).unwrap_or_default(),
        ws.display(),
        ws.display()
    ))
}
