//! Commands that work on a running org over its API: `latchkey seed FILE`, `latchkey export
//! org` and `latchkey test ...` (a test org's control endpoints, for shell scripts).

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Value};
use std::path::PathBuf;

use crate::seed::{self, Client};

/// Where the org is and how to reach it.
#[derive(Debug, Clone, Args)]
pub struct OrgArgs {
    /// The org's URL. [default: https://localhost:8443]
    #[arg(long, env = "LATCHKEY_ORG_URL", value_name = "URL")]
    pub org_url: Option<String>,

    /// A super-admin API token. [default: the data folder's admin-token file]
    #[arg(
        long,
        env = "LATCHKEY_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,

    /// A CA certificate (PEM) to trust besides the system's, e.g. the data folder's
    /// generated ca.pem. [default: <data-dir>/ca.pem when it exists]
    #[arg(long, env = "LATCHKEY_CA_FILE", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// The ready file `latchkey serve --ready-file` wrote: URL, token and CA in one.
    #[arg(long, env = "LATCHKEY_READY_FILE", value_name = "FILE")]
    pub ready_file: Option<PathBuf>,

    /// Data folder to read the admin token and CA from. [default: ./latchkey-data]
    #[arg(long, env = "LATCHKEY_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl OrgArgs {
    pub fn client(&self) -> anyhow::Result<Client> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let ready: Option<Value> = match &self.ready_file {
            Some(path) => Some(serde_json::from_str(
                &std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?,
            )?),
            None => None,
        };
        let from_ready = |key: &str| {
            ready
                .as_ref()
                .and_then(|r| r.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let data_dir = self
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("./latchkey-data"));
        let url = self
            .org_url
            .clone()
            .or_else(|| from_ready("orgUrl"))
            .unwrap_or_else(|| "https://localhost:8443".into());
        let token = match self.token.clone().or_else(|| from_ready("token")) {
            Some(t) => t,
            None => std::fs::read_to_string(data_dir.join("admin-token"))
                .map(|t| t.trim().to_owned())
                .map_err(|_| {
                    anyhow::anyhow!(
                        "no API token: give --token (or LATCHKEY_TOKEN), --ready-file, or --data-dir holding admin-token"
                    )
                })?,
        };
        let ca = self
            .ca_file
            .clone()
            .or_else(|| from_ready("caCertificate").map(PathBuf::from))
            .or_else(|| Some(data_dir.join("ca.pem")).filter(|p| p.exists()));
        Client::new(&url, &token, ca.as_deref(), None)
    }
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub org: OrgArgs,

    /// The org file (YAML) to apply.
    #[arg(required_unless_present = "schema")]
    pub file: Option<PathBuf>,

    /// Only check the file (syntax, types, references within it); change nothing.
    #[arg(long)]
    pub check: bool,

    /// Print the org file's JSON Schema and exit.
    #[arg(long)]
    pub schema: bool,
}

pub async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    if args.schema {
        println!("{}", serde_json::to_string_pretty(&seed::schema())?);
        return Ok(());
    }
    let path = args.file.clone().unwrap_or_default();
    let parsed = read(&path)?;
    if args.check {
        println!("{}: ok", path.display());
        return Ok(());
    }
    let client = args.org.client()?;
    let summary = seed::apply(&client, &parsed)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    println!("{}: {summary}", path.display());
    Ok(())
}

/// Reads and parses an org file; errors name the file and line.
pub fn read(path: &std::path::Path) -> anyhow::Result<seed::Parsed> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    seed::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

#[derive(Debug, Args)]
pub struct ExportOrgArgs {
    #[command(flatten)]
    pub org: OrgArgs,

    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Password (and recovery answer) to give exported users that have one: neither can be
    /// read back.
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,

    /// Write JSON instead of YAML.
    #[arg(long)]
    pub json: bool,
}

pub async fn export(args: ExportOrgArgs) -> anyhow::Result<()> {
    let client = args.org.client()?;
    let file = seed::export(&client, args.password.as_deref())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = if args.json {
        serde_json::to_string_pretty(&file)?
    } else {
        to_yaml(&serde_json::to_value(&file)?)
    };
    match &args.output {
        Some(path) => std::fs::write(path, format!("{text}\n"))
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?,
        None => println!("{text}"),
    }
    Ok(())
}

/// JSON as block YAML (strings quoted as JSON strings, which YAML reads alike).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_yaml(value, 0, &mut out);
    out.trim_end().to_owned()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn write_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(m) if m.is_empty() => out.push_str(" {}\n"),
        Value::Array(a) if a.is_empty() => out.push_str(" []\n"),
        Value::Object(m) => {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            for (k, v) in m {
                out.push_str(&format!("{pad}{}:", yaml_key(k)));
                match v {
                    Value::Object(o) if !o.is_empty() => {
                        out.push('\n');
                        write_yaml(v, indent + 2, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        write_yaml(v, indent, out);
                    }
                    Value::Object(_) | Value::Array(_) => write_yaml(v, indent, out),
                    _ => out.push_str(&format!(" {}\n", scalar(v))),
                }
            }
        }
        Value::Array(a) => {
            for item in a {
                match item {
                    Value::Object(o) if !o.is_empty() => {
                        let mut inner = String::new();
                        write_yaml(item, indent + 2, &mut inner);
                        // The first key goes on the dash's line.
                        let trimmed = inner.get(indent + 2..).unwrap_or_default();
                        out.push_str(&format!("{pad}- {trimmed}"));
                    }
                    Value::Array(inner) if !inner.is_empty() => {
                        out.push_str(&format!("{pad}-\n"));
                        write_yaml(item, indent + 2, out);
                    }
                    Value::Object(_) => out.push_str(&format!("{pad}- {{}}\n")),
                    Value::Array(_) => out.push_str(&format!("{pad}- []\n")),
                    _ => out.push_str(&format!("{pad}- {}\n", scalar(item))),
                }
            }
        }
        _ => out.push_str(&format!("{pad}{}\n", scalar(value))),
    }
}

fn yaml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '$'))
        && !k.starts_with(['-', '.'])
    {
        k.to_owned()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}

/// `latchkey test ...`: a test org's control endpoints.
#[derive(Debug, Subcommand)]
pub enum TestCommand {
    /// Put the org back as its seed left it (everything since is gone).
    Reset(OrgOnly),
    /// Make the org as it is now the point `reset` returns to.
    Snapshot(OrgOnly),
    /// Read or move the org's clock: `now`, `advance DURATION` (90s, 15m, 2h, 31d, PT1H),
    /// `set INSTANT` (ISO 8601), `real` (back to real time).
    Clock(ClockArgs),
    /// Messages the org sent (emails, SMS and voice codes), newest first, as JSON.
    Outbox(OutboxArgs),
    /// The System Log as JSON, oldest first; --clear empties it.
    Logs(LogsArgs),
}

#[derive(Debug, Args)]
pub struct OrgOnly {
    #[command(flatten)]
    pub org: OrgArgs,
}

#[derive(Debug, Args)]
pub struct ClockArgs {
    #[command(flatten)]
    pub org: OrgArgs,
    /// now, advance, set or real.
    pub action: String,
    /// The duration (advance) or instant (set).
    pub value: Option<String>,
}

#[derive(Debug, Args)]
pub struct OutboxArgs {
    #[command(flatten)]
    pub org: OrgArgs,
    /// Only messages to this address or phone number.
    #[arg(long)]
    pub to: Option<String>,
    /// Empty the outbox instead.
    #[arg(long)]
    pub clear: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub org: OrgArgs,
    /// Only events of this type (e.g. user.session.start).
    #[arg(long)]
    pub event_type: Option<String>,
    /// Empty the System Log instead.
    #[arg(long)]
    pub clear: bool,
}

pub async fn test(cmd: TestCommand) -> anyhow::Result<()> {
    let (client, method, path, body) = match &cmd {
        TestCommand::Reset(a) => (
            a.org.client()?,
            Method::POST,
            "/_latchkey/reset".to_owned(),
            None,
        ),
        TestCommand::Snapshot(a) => (
            a.org.client()?,
            Method::POST,
            "/_latchkey/snapshot".to_owned(),
            None,
        ),
        TestCommand::Clock(a) => {
            let (method, body) = match (a.action.as_str(), &a.value) {
                ("now", None) => (Method::GET, None),
                ("real", None) => (Method::DELETE, None),
                ("advance", Some(v)) => (Method::POST, Some(json!({ "advance": v }))),
                ("set", Some(v)) => (Method::POST, Some(json!({ "set": v }))),
                _ => {
                    anyhow::bail!("clock: give `now`, `real`, `advance DURATION` or `set INSTANT`")
                }
            };
            (a.org.client()?, method, "/_latchkey/clock".to_owned(), body)
        }
        TestCommand::Outbox(a) => {
            let path = match &a.to {
                Some(to) => format!("/_latchkey/outbox?to={}", urlencode(to)),
                None => "/_latchkey/outbox".to_owned(),
            };
            let method = if a.clear { Method::DELETE } else { Method::GET };
            (a.org.client()?, method, path, None)
        }
        TestCommand::Logs(a) => {
            let path = match &a.event_type {
                Some(t) => format!("/_latchkey/logs?eventType={}", urlencode(t)),
                None => "/_latchkey/logs".to_owned(),
            };
            let method = if a.clear { Method::DELETE } else { Method::GET };
            (a.org.client()?, method, path, None)
        }
    };
    let answer = client
        .call(method, &path, body.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::to_yaml;
    use serde_json::json;

    #[test]
    fn yaml_reads_back_as_the_same_json() {
        let value = json!({
            "users": [
                { "login": "a@example.com", "profile": { "firstName": "A", "n": 3, "x": null },
                  "groups": ["Eng", "Ops: \"quoted\""], "factors": [] },
                { "login": "b", "profile": {} }
            ],
            "policies": [{ "type": "PASSWORD", "settings": { "nested": [[1, 2], { "k": true }] } }],
            "weird key": "yes"
        });
        let text = to_yaml(&value);
        let back = crate::seed::yaml_to_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, value, "{text}");
    }
}
