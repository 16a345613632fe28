//! `latchkey outbox`: the org's mailbox, the emails kept when no SMTP server is configured
//! (activation and reset links, recovery emails, email factor codes).
//!
//!   latchkey outbox list [--to ADDRESS] [--limit N] [--json]
//!   latchkey outbox show ID [--html]

use clap::{Args, Subcommand};

use crate::config::{FileConfig, StoreArgs};

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List kept emails, newest first (with --json: every message whole, as JSON).
    List(ListArgs),
    /// Print one kept email.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// Only emails to this address.
    #[arg(long, value_name = "ADDRESS")]
    pub to: Option<String>,

    /// At most this many. [default: 20]
    #[arg(long, default_value_t = 20)]
    pub limit: u32,

    /// Print the messages as a JSON array (id, userId, to, subject, keptAt, text, html).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// The message id (from `latchkey outbox list`).
    pub id: String,

    /// Print the HTML part instead of the text.
    #[arg(long)]
    pub html: bool,
}

pub async fn run(cmd: OutboxCommand, file: FileConfig) -> anyhow::Result<()> {
    let (store_args, to, limit) = match &cmd {
        OutboxCommand::List(a) => (a.store.clone(), a.to.clone(), a.limit.clamp(1, 1000)),
        OutboxCommand::Show(a) => (a.store.clone(), None, 1000),
    };
    let store_args = store_args.merge(StoreArgs {
        data_dir: file.data_dir.clone(),
        database_url: file.database_url.clone(),
    });
    let key_file = file
        .secret_key_file
        .clone()
        .unwrap_or_else(|| store_args.data_dir().join("secret.key"));
    let key = std::fs::read_to_string(&key_file)
        .map_err(|e| anyhow::anyhow!("reading the org's key {}: {e}", key_file.display()))?;
    let sealer = crypto::sealed::Sealer::from_base64(key.trim())
        .map_err(|_| anyhow::anyhow!("{} does not hold a valid key", key_file.display()))?;
    let store = store::connect(&store_args.database_url()).await?;
    let kept = store.kept_mail(to.as_deref(), limit).await?;
    let opened: Vec<_> = kept
        .iter()
        .filter_map(|m| crate::outbox::open_kept(&sealer, m))
        .collect();
    match cmd {
        OutboxCommand::List(a) if a.json => {
            println!("{}", serde_json::to_string_pretty(&opened)?);
        }
        OutboxCommand::List(_) => {
            if opened.is_empty() {
                println!("(no kept email)");
            }
            for m in &opened {
                println!("{}  {}  {:<32}  {}", m.id, m.kept_at, m.to, m.subject);
            }
        }
        OutboxCommand::Show(a) => {
            let m = opened
                .iter()
                .find(|m| m.id == a.id)
                .ok_or_else(|| anyhow::anyhow!("no kept email has id {}", a.id))?;
            println!(
                "To: {}\nSubject: {}\nKept: {}\n",
                m.to, m.subject, m.kept_at
            );
            if a.html {
                println!("{}", m.html.as_deref().unwrap_or("(no HTML part)"));
            } else {
                println!("{}", m.text);
            }
        }
    }
    Ok(())
}
