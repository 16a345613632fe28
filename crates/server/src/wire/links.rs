//! Absolute URLs on the configured public URL, for `_links` and `Link` headers. Clients follow
//! these exactly as given, so they never come from the bind address.

use serde_json::{json, Map, Value};

/// Builds hrefs under the org's public URL.
#[derive(Debug, Clone)]
pub struct Links {
    base: String,
}

impl Links {
    /// `public_url` without a trailing slash, e.g. `https://localhost:8443`.
    pub fn new(public_url: &str) -> Self {
        Self {
            base: public_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `{base}/api/v1/{path}`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1/{}", self.base, path.trim_start_matches('/'))
    }

    /// `{base}{path}` for non-API pages (activation, reset).
    pub fn page(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }
}

/// An `_links` object under construction.
#[derive(Debug, Default)]
pub struct LinkSet(Map<String, Value>);

impl LinkSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(mut self, rel: &str, href: String) -> Self {
        self.0.insert(rel.to_owned(), json!({ "href": href }));
        self
    }

    /// A link with an HTTP method hint, as the lifecycle links carry.
    pub fn add_method(mut self, rel: &str, href: String, method: &str) -> Self {
        self.0
            .insert(rel.to_owned(), json!({ "href": href, "method": method }));
        self
    }

    /// A link with the methods it allows, as the Policy and Zone APIs write them
    /// (`"hints": {"allow": [...]}`).
    pub fn add_hints(mut self, rel: &str, href: String, allow: &[&str]) -> Self {
        self.0.insert(
            rel.to_owned(),
            json!({ "href": href, "hints": { "allow": allow } }),
        );
        self
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}
