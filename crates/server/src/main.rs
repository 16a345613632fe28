//! The `latchkey` command.

use clap::Parser;

/// mimalloc: glibc's allocator was a quarter of the server's CPU under read load (perf), and
/// mimalloc's per-thread heaps cost far less for the many small allocations of a request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = latchkey::cli::Cli::parse();
    match latchkey::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("latchkey: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
