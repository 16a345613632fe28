//! `latchkey import users FILE` and `latchkey export users [FILE]`.

use clap::{Args, Subcommand};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use crate::bulk::export::{export_users, ExportOptions};
use crate::bulk::format::Format;
use crate::bulk::import::{import_users, report, ImportOptions};
use crate::bulk::progress::Progress;
use crate::config::{Config, FileConfig, ServeArgs, StoreArgs};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import users from a CSV or JSON Lines file (re-running skips users that exist).
    Users(ImportUsersArgs),
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export every user to CSV or JSON Lines, the formats `import users` reads.
    Users(ExportUsersArgs),
    /// Export a running org as an org file (YAML) that `latchkey seed` applies.
    Org(crate::cli::org::ExportOrgArgs),
}

#[derive(Debug, Args)]
pub struct ImportUsersArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// The file to import; `-` reads standard input.
    pub file: PathBuf,

    /// The file's format [default: csv for a .csv file, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Users written per transaction.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub batch_size: u32,

    /// Leave users without a `status` STAGED (the API's activate=false).
    #[arg(long)]
    pub no_activate: bool,

    /// `changePassword`: users given a password must change it at their first sign-in.
    #[arg(long, value_name = "changePassword")]
    pub next_login: Option<String>,

    /// Write every failed row, with its line and errors, to this file (JSON Lines).
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,

    /// No progress output (the summary is still printed).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExportUsersArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// Where to write; standard output when absent or `-`.
    pub file: Option<PathBuf>,

    /// The format [default: csv for a .csv file, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Include password hashes (argon2id PHC strings, or imported hashes not yet replaced).
    #[arg(long)]
    pub with_password_hashes: bool,

    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
}

/// The configuration `serve` would use with these store options and the file's settings
/// (argon2 parameters, org, secret key).
fn config(store: StoreArgs, file: FileConfig) -> anyhow::Result<Config> {
    Config::resolve(
        ServeArgs {
            store,
            ..ServeArgs::default()
        },
        file,
    )
}

pub async fn import(cmd: ImportCommand, file: FileConfig) -> anyhow::Result<()> {
    let ImportCommand::Users(args) = cmd;
    if let Some(next) = args.next_login.as_deref() {
        anyhow::ensure!(
            next == "changePassword",
            "--next-login takes only changePassword"
        );
    }
    let app = crate::app::offline_state(config(args.store, file)?).await?;
    let stdin = args.file.as_os_str() == "-";
    let (input, size): (Box<dyn BufRead + Send>, Option<u64>) = if stdin {
        (Box::new(BufReader::new(std::io::stdin())), None)
    } else {
        let f = std::fs::File::open(&args.file)
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(BufReader::with_capacity(1 << 16, f)), size)
    };
    let errors: Option<Box<dyn Write + Send>> = match &args.errors {
        Some(path) => Some(Box::new(BufWriter::new(
            std::fs::File::create(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        ))),
        None => None,
    };
    let options = ImportOptions {
        format: Format::for_path(&args.file, args.format),
        batch_size: args.batch_size as usize,
        concurrency: (app.config.hash_workers * 4).clamp(4, 64),
        activate: !args.no_activate,
        next_login: args.next_login.clone(),
    };
    let progress = Progress::new("import", size, args.quiet);
    let summary = import_users(&app, input, &options, &progress, errors).await?;
    print!("{}", report(&summary));
    std::io::stdout().flush()?;
    anyhow::ensure!(
        summary.failed == 0,
        "{} rows were not imported (reasons above{})",
        summary.failed,
        args.errors
            .as_ref()
            .map(|p| format!(", every one in {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}

pub async fn export(cmd: ExportCommand, file: FileConfig) -> anyhow::Result<()> {
    let args = match cmd {
        ExportCommand::Users(args) => args,
        ExportCommand::Org(args) => return crate::cli::org::export(args).await,
    };
    let app = crate::app::offline_state(config(args.store, file)?).await?;
    let path = args.file.filter(|p| p.as_os_str() != "-");
    let format = match &path {
        Some(p) => Format::for_path(p, args.format),
        None => args.format.unwrap_or(Format::Jsonl),
    };
    let mut out: Box<dyn Write + Send> = match &path {
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout())),
    };
    let progress = Progress::new("export", None, args.quiet || path.is_none());
    let options = ExportOptions {
        format,
        with_password_hashes: args.with_password_hashes,
    };
    let count = export_users(&app, &mut *out, options, &progress).await?;
    if let Some(p) = &path {
        eprintln!("exported {count} users to {}", p.display());
    }
    Ok(())
}
