//! The `taizhang` binary: parses arguments, runs the command, owns the exit
//! status (0 done, 1 done but something was rejected, 2 could not run).

use clap::Parser;
use std::process::ExitCode;

/// jemalloc instead of the system's malloc: ingest makes many small
/// allocations per row and frees them soon after, across threads. glibc's
/// arenas once spent ~23 % of a national quarter's ingest in malloc/free;
/// mimalloc was fast but handed out memory long out of cache; jemalloc
/// reuses what was just freed (benches/README.md, fifth pass).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = taizhang::cli::Cli::parse();
    taizhang::ingest::read::quiet_panic::install_hook();
    match taizhang::cli::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("taizhang: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// `taizhang query … | head` closing the pipe early is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
