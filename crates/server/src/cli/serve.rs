//! `latchkey serve`.

use crate::app::{shutdown_on_signal, Application};
use crate::config::{Config, FileConfig, ServeArgs};

pub async fn run(mut args: ServeArgs, file: FileConfig) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    // A throw-away org lives in a temporary folder, deleted when this function returns.
    let ephemeral = if args.ephemeral || file.ephemeral {
        anyhow::ensure!(
            args.store.data_dir.is_none() && file.data_dir.is_none(),
            "--ephemeral keeps the org in a temporary folder: drop --data-dir (or use --test-mode with it)"
        );
        let dir = tempfile::Builder::new()
            .prefix("latchkey-ephemeral-")
            .tempdir()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
        }
        args.store.data_dir = Some(dir.path().to_path_buf());
        Some(dir)
    } else {
        None
    };
    let config = Config::resolve(args, file)?;
    init_tracing(&config.log_format);
    let insecure = config.tls == crate::config::TlsMode::Insecure;
    let backend_url = redact(&config.database_url);
    let seed = match &config.seed {
        Some(path) => Some((path.clone(), super::org::read(path)?)),
        None => None,
    };
    let ready_file = config.ready_file.clone();
    let test_mode = config.test_mode;
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
    let token = app
        .new_admin_token
        .clone()
        .or_else(|| app.state.config.admin_token.clone());
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
    let public_url = app.public_url.clone();
    let local = app.local_addr();
    let ca_path = app.ca_path.clone();
    let state = app.state.clone();
    let server = tokio::spawn(app.run_until_stopped());
    if let Some((path, parsed)) = &seed {
        let token = token.clone().ok_or_else(|| {
            anyhow::anyhow!("--seed on an org that already exists needs --admin-token (its token is not known to this start)")
        })?;
        let client =
            crate::seed::Client::new(&public_url, &token, ca_path.as_deref(), Some(local))?;
        let seeded = std::time::Instant::now();
        match crate::seed::apply(&client, parsed).await {
            Ok(summary) => println!(
                "Seeded from {}: {summary} ({} ms)",
                path.display(),
                seeded.elapsed().as_millis()
            ),
            Err(err) => {
                handle.shutdown();
                let _ = server.await;
                anyhow::bail!("{}: {err}", path.display());
            }
        }
    }
    if test_mode {
        crate::test_org::take_snapshot(&state).await?;
        println!(
            "Test org: control endpoints on {public_url}/_latchkey/ (reset, snapshot, clock, outbox, logs)"
        );
    }
    if let Some(path) = &ready_file {
        let summary = serde_json::json!({
            "orgUrl": public_url,
            "token": token,
            "caCertificate": ca_path,
            "testMode": test_mode,
            "ephemeral": ephemeral.is_some(),
            "pid": std::process::id(),
        });
        write_ready(path, &summary)?;
    }
    println!("Ready in {} ms.", started.elapsed().as_millis());
    tokio::spawn(shutdown_on_signal(handle));
    let served = server.await;
    if let Some(path) = &ready_file {
        let _ = std::fs::remove_file(path);
    }
    drop(ephemeral);
    served??;
    println!("Latchkey stopped.");
    Ok(())
}

/// Writes the ready summary whole or not at all (a watcher never reads half a file), 0600:
/// it holds the admin token.
fn write_ready(path: &std::path::Path, summary: &serde_json::Value) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    crate::tls::write_private(&partial, serde_json::to_string_pretty(summary)?.as_bytes())?;
    std::fs::rename(&partial, path)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
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
