//! The Management API over HTTPS with an admin token: what org files are applied and exported
//! through, and what the CLI's test commands call (`latchkey seed`, `latchkey export org`,
//! `latchkey test ...`).

use reqwest::Method;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;

/// An HTTPS client for one org.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A call the org refused.
#[derive(Debug, Clone)]
pub struct Refused {
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Client {
    /// A client for the org at `base` (`https://host:port`). `ca_file` adds a CA to trust
    /// (the generated one of a local org); `local` sends every call to that address instead
    /// of resolving the host (a server seeding itself).
    pub fn new(
        base: &str,
        token: &str,
        ca_file: Option<&Path>,
        local: Option<SocketAddr>,
    ) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("latchkey-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                anyhow::anyhow!("reading the CA certificate {}: {e}", path.display())
            })?;
            builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
        }
        if let Some(addr) = local {
            let host = reqwest::Url::parse(base)?
                .host_str()
                .unwrap_or("localhost")
                .to_owned();
            let ip = if addr.ip().is_unspecified() {
                std::net::IpAddr::from([127, 0, 0, 1])
            } else {
                addr.ip()
            };
            builder = builder.resolve(&host, SocketAddr::new(ip, addr.port()));
        }
        Ok(Self {
            http: builder.build()?,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("https://") || path.starts_with("http://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// One call; a 2xx answer's body (null when empty), or why it was refused.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Refused> {
        self.call_with_link(method, path, body)
            .await
            .map(|(v, _)| v)
    }

    async fn call_with_link(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(Value, Option<String>), Refused> {
        let mut request = self
            .http
            .request(method.clone(), self.url(path))
            .header("Authorization", format!("SSWS {}", self.token))
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| Refused {
            status: 0,
            message: format!("{method} {path}: {e}"),
        })?;
        let status = response.status().as_u16();
        let next = response
            .headers()
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("rel=\"next\""))
            .and_then(|v| v.split(['<', '>']).nth(1))
            .map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        let value: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if (200..300).contains(&status) {
            return Ok((value, next));
        }
        Err(Refused {
            status,
            message: format!("{method} {path}: {status} {}", describe(&value)),
        })
    }

    /// Every item of a list, following `Link: rel="next"`.
    pub async fn list(&self, path: &str) -> Result<Vec<Value>, Refused> {
        let mut out = Vec::new();
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}limit=200"));
        let mut pages = 0;
        while let Some(at) = next.take() {
            let (value, link) = self.call_with_link(Method::GET, &at, None).await?;
            match value {
                Value::Array(items) => out.extend(items),
                Value::Null => {}
                other => out.push(other),
            }
            pages += 1;
            if pages < 10_000 {
                next = link;
            }
        }
        Ok(out)
    }
}

/// An Okta error object in one line: code, summary and causes.
fn describe(body: &Value) -> String {
    let code = body.get("errorCode").and_then(Value::as_str).unwrap_or("");
    let summary = body
        .get("errorSummary")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| body.to_string());
    let causes: Vec<&str> = body
        .get("errorCauses")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .filter_map(|c| c.get("errorSummary").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let mut out = format!("{code} {summary}").trim().to_owned();
    if !causes.is_empty() {
        out.push_str(" (");
        out.push_str(&causes.join("; "));
        out.push(')');
    }
    out
}
