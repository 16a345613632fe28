//! `latchkey serve`.

use crate::app::{shutdown_on_signal, Application};
use crate::config::{Config, FileConfig, ServeArgs};

pub async fn run(args: ServeArgs, file: FileConfig) -> anyhow::Result<()> {
    let config = Config::resolve(args, file)?;
    init_tracing(&config.log_format);
    let insecure = config.tls == crate::config::TlsMode::Insecure;
    let backend_url = redact(&config.database_url);
    let app = Application::build(config).await?;
    println!(
        "Latchkey listening on {} ({})",
        app.public_url,
        app.local_addr()
    );
    println!("Store: {backend_url}");
    if insecure {
        eprintln!();
        eprintln!("WARNING: serving PLAIN HTTP (--insecure-http). API tokens and passwords cross");
        eprintln!("the network unencrypted. Use this only behind a TLS-terminating proxy.");
        eprintln!();
    }
    if let Some(ca) = &app.ca_path {
        println!("CA certificate (trust this in clients): {}", ca.display());
    }
    if let (Some(token), Some(path)) = (&app.new_admin_token, &app.admin_token_path) {
        println!();
        println!(
            "Super-admin API token (shown once, also saved to {}):",
            path.display()
        );
        println!("    {token}");
        println!("Use it as:  Authorization: SSWS {token}");
        println!();
    }
    let handle = app.handle();
    tokio::spawn(shutdown_on_signal(handle));
    app.run_until_stopped().await?;
    println!("Latchkey stopped.");
    Ok(())
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LATCHKEY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

/// Hides a password in a database URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = url.get(scheme + 3..at).unwrap_or_default();
            match creds.split_once(':') {
                Some((user, _)) => format!(
                    "{}{user}:***{}",
                    url.get(..scheme + 3).unwrap_or_default(),
                    url.get(at..).unwrap_or_default()
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite:///x/y.db"), "sqlite:///x/y.db");
    }
}
