//! Command-line interface: `latchkey serve`, `latchkey token create`, `latchkey import users`,
//! `latchkey export users|org`, `latchkey seed`, `latchkey test`.

pub mod org;
pub mod outbox;
pub mod serve;
pub mod token;
pub mod users;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Latchkey: a self-hosted identity server that speaks Okta's Core API.
///
/// Okta's SDKs, sign-in libraries and scripts work against it unchanged. One binary; SQLite in
/// a data folder by default, PostgreSQL with --database-url.
#[derive(Debug, Parser)]
#[command(name = "latchkey", version, propagate_version = true)]
pub struct Cli {
    /// TOML configuration file; its keys are the long option names (listen, data-dir, ...).
    /// Flags and LATCHKEY_* variables override it.
    #[arg(long, global = true, env = "LATCHKEY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (HTTPS with a generated local CA unless told otherwise).
    Serve(Box<crate::config::ServeArgs>),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Bulk import (users from CSV or JSON Lines).
    #[command(subcommand)]
    Import(users::ImportCommand),
    /// Bulk export (users to CSV or JSON Lines).
    #[command(subcommand)]
    Export(users::ExportCommand),
    /// The org's mailbox: emails kept because no SMTP server is configured.
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// Apply an org file (YAML: users, groups, apps, policies, ...) to a running org.
    Seed(org::SeedArgs),
    /// Control a running test org: reset, snapshot, clock, outbox, logs.
    #[command(subcommand)]
    Test(org::TestCommand),
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = crate::config::read_file(cli.config.as_deref())?;
    match cli.command {
        Command::Serve(args) => serve::run(*args, file).await,
        Command::Token(cmd) => token::run(cmd, file).await,
        Command::Import(cmd) => users::import(cmd, file).await,
        Command::Export(cmd) => users::export(cmd, file).await,
        Command::Outbox(cmd) => outbox::run(cmd, file).await,
        Command::Seed(args) => org::seed(args).await,
        Command::Test(cmd) => org::test(cmd).await,
    }
}
