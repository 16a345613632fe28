//! The harness's HTTPS client, as an Okta SDK would use it: one keep-alive reqwest client
//! (rustls) that trusts exactly the server's generated CA and sends each request to the
//! next node in turn, so a multi-step flow (authn, then verify or session) crosses nodes.
//!
//! Bodies are read as bytes and parsed only when a workload needs a field: the client shares
//! the machine's cores with the server, and parsing 200 users it never looks at would be
//! measured as server time.

use anyhow::Context;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// One client for every node of the org under test. Cheap to clone; clones share the
/// connection pool and the turn counter.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    /// The same trust, following no redirect (`/authorize` answers with one).
    no_redirect: reqwest::Client,
    bases: Arc<[String]>,
    token: Arc<str>,
    turn: Arc<AtomicUsize>,
}

/// A status and the raw body of an answer.
pub struct Reply {
    pub status: StatusCode,
    body: bytes::Bytes,
    next: Option<String>,
}

impl Reply {
    pub fn json(&self) -> anyhow::Result<Value> {
        serde_json::from_slice(&self.body).context("answer is not JSON")
    }

    /// The answer if its status is `status`, else an error naming `what` and the body.
    pub fn expect(self, status: u16, what: &str) -> anyhow::Result<Self> {
        if self.status.as_u16() == status {
            return Ok(self);
        }
        let body = String::from_utf8_lossy(&self.body);
        let excerpt: String = body.chars().take(300).collect();
        anyhow::bail!("{what}: {} {excerpt}", self.status.as_u16())
    }

    /// A string field of the JSON body, e.g. `/status` or `/_embedded/activation/sharedSecret`.
    pub fn field(&self, pointer: &str) -> anyhow::Result<String> {
        self.json()?
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("answer has no {pointer}"))
    }

    /// The path and query of the `Link: <...>; rel="next"` header, if any.
    pub fn next(&self) -> Option<&str> {
        self.next.as_deref()
    }
}

impl Api {
    /// A client trusting only `ca_pem`, for the nodes at `bases` (`https://localhost:<port>`).
    pub fn new(ca_pem: &[u8], bases: Vec<String>, token: String) -> anyhow::Result<Self> {
        anyhow::ensure!(!bases.is_empty(), "no server to talk to");
        let ca = reqwest::Certificate::from_pem(ca_pem).context("reading the server's CA")?;
        let builder = || {
            reqwest::Client::builder()
                .use_rustls_tls()
                .tls_built_in_root_certs(false)
                .add_root_certificate(ca.clone())
                // The certificate names localhost; the servers listen on 127.0.0.1 only.
                .resolve("localhost", ([127, 0, 0, 1], 0).into())
                .no_proxy()
                .timeout(Duration::from_secs(60))
        };
        let client = builder().build().context("building the HTTPS client")?;
        let no_redirect = builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("building the HTTPS client")?;
        Ok(Self {
            client,
            no_redirect,
            bases: bases.into(),
            token: token.into(),
            turn: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// The same client talking to node `index` only.
    pub fn only(&self, index: usize) -> anyhow::Result<Self> {
        let base = self
            .bases
            .get(index)
            .with_context(|| format!("no node {index}"))?;
        Ok(Self {
            client: self.client.clone(),
            no_redirect: self.no_redirect.clone(),
            bases: vec![base.clone()].into(),
            token: self.token.clone(),
            turn: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// A request with the super-admin API token (`Authorization: SSWS ...`).
    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Reply> {
        self.send(method, path, body, true).await
    }

    /// A request without a token, as a browser or a public app calls the Authn API.
    pub async fn public(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Reply> {
        self.send(method, path, body, false).await
    }

    fn base(&self) -> anyhow::Result<&String> {
        let turn = self.turn.fetch_add(1, Ordering::Relaxed) % self.bases.len();
        self.bases.get(turn).context("no node")
    }

    /// A form POST (the OAuth endpoints), with HTTP Basic client credentials if given.
    pub async fn form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> anyhow::Result<Reply> {
        let base = self.base()?;
        let mut request = self
            .client
            .post(format!("{base}{path}"))
            .header("Accept", "application/json")
            .form(fields);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        let response = request.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        Ok(Reply {
            status,
            body,
            next: None,
        })
    }

    /// A GET whose redirect is not followed: the status and the `Location`.
    pub async fn redirect(&self, path: &str) -> anyhow::Result<(StatusCode, Option<String>)> {
        let base = self.base()?;
        let response = self.no_redirect.get(format!("{base}{path}")).send().await?;
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((response.status(), location))
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        admin: bool,
    ) -> anyhow::Result<Reply> {
        let turn = self.turn.fetch_add(1, Ordering::Relaxed) % self.bases.len();
        let base = self.bases.get(turn).context("no node")?;
        let mut request = self
            .client
            .request(method, format!("{base}{path}"))
            .header("Accept", "application/json");
        if admin {
            request = request.header("Authorization", format!("SSWS {}", self.token));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let next = response
            .headers()
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(next_path);
        let body = response.bytes().await?;
        Ok(Reply { status, body, next })
    }
}

/// The path and query of a `<https://host/path?query>; rel="next"` link, so the next page
/// can be asked of any node.
fn next_path(link: &str) -> Option<String> {
    let url = link
        .trim()
        .strip_suffix("; rel=\"next\"")?
        .trim_start_matches('<')
        .trim_end_matches('>');
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .and_then(|slash| after_scheme.get(slash..))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_links_become_paths() {
        assert_eq!(
            super::next_path(
                "<https://localhost:8443/api/v1/logs?after=1_2&limit=100>; rel=\"next\""
            )
            .as_deref(),
            Some("/api/v1/logs?after=1_2&limit=100")
        );
        assert_eq!(
            super::next_path("<https://localhost:8443/api/v1/logs?limit=100>; rel=\"self\""),
            None
        );
    }
}
