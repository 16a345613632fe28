//! The HTTP channel shared by event hooks and inline hooks (event-hooks.md and
//! inline-hooks.md, "Channel object", "Config object", "AuthScheme object"): validation,
//! the headers a call carries, and one verified call with Okta's timeout and single retry.

use serde_json::{json, Value};

use crate::state::AppState;

/// Headers a hook may not set: the server sets them itself.
const RESERVED_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "content-length",
    "host",
    "user-agent",
    "connection",
    "transfer-encoding",
    "x-okta-verification-challenge",
];

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A validated channel: what is stored and rendered (no auth value), and the auth value to
/// seal, when one was given.
pub struct Channel {
    pub channel: Value,
    pub auth_value: Option<String>,
}

/// Checks a `channel` object; each problem is pushed to `causes` as `field: reason`.
pub fn validate(channel: Option<Value>, causes: &mut Vec<String>) -> Channel {
    let channel = channel.unwrap_or(Value::Null);
    if text(&channel, "type") != Some("HTTP") {
        causes.push("channel.type: The only supported type is HTTP".to_owned());
    }
    if text(&channel, "version").is_some_and(|v| v != "1.0.0") {
        causes.push("channel.version: The only supported version is 1.0.0".to_owned());
    }
    let config = channel.get("config").cloned().unwrap_or(Value::Null);
    let uri = text(&config, "uri").unwrap_or_default();
    if !uri.starts_with("https://")
        || uri.len() > 1024
        || uri.chars().any(char::is_whitespace)
        || uri.len() <= 8
    {
        causes.push(
            "channel.config.uri: Must be an https:// URL of at most 1024 characters without white space"
                .to_owned(),
        );
    }
    let mut headers = Vec::new();
    for h in config
        .get("headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match (text(h, "key"), text(h, "value")) {
            (Some(k), Some(v)) if !k.trim().is_empty() => {
                if RESERVED_HEADERS.contains(&k.to_ascii_lowercase().as_str()) {
                    causes.push(format!(
                        "channel.config.headers: The header {k} is reserved"
                    ));
                } else {
                    headers.push(json!({ "key": k, "value": v }));
                }
            }
            _ => causes
                .push("channel.config.headers: Each header needs a key and a value".to_owned()),
        }
    }
    let mut auth_value = None;
    let mut auth_scheme = Value::Null;
    if let Some(auth) = config.get("authScheme").filter(|a| !a.is_null()) {
        match (text(auth, "type"), text(auth, "key")) {
            (Some("HEADER"), Some(key)) if !key.trim().is_empty() => {
                auth_scheme = json!({ "type": "HEADER", "key": key });
                auth_value = text(auth, "value").map(str::to_owned);
            }
            _ => causes.push(
                "channel.config.authScheme: type HEADER and a key are required (OAuth 2.0 channels are not supported)"
                    .to_owned(),
            ),
        }
    }
    let mut config_out = json!({ "uri": uri, "method": "POST", "headers": headers });
    if let Some(obj) = config_out.as_object_mut() {
        if !auth_scheme.is_null() {
            obj.insert("authScheme".into(), auth_scheme);
        }
    }
    Channel {
        channel: json!({ "type": "HTTP", "version": "1.0.0", "config": config_out }),
        auth_value,
    }
}

/// The endpoint of a stored channel.
pub fn uri(channel: &Value) -> Option<&str> {
    channel
        .get("config")
        .and_then(|c| c.get("uri"))
        .and_then(Value::as_str)
}

/// The headers a call carries: the configured custom headers and the (unsealed) auth header.
pub fn headers(
    app: &AppState,
    channel: &Value,
    auth_sealed: Option<&str>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let config = channel.get("config").cloned().unwrap_or_default();
    if let Some(list) = config.get("headers").and_then(Value::as_array) {
        for h in list {
            if let (Some(k), Some(v)) = (text(h, "key"), text(h, "value")) {
                out.push((k.to_owned(), v.to_owned()));
            }
        }
    }
    if let (Some(key), Some(sealed)) = (
        config.get("authScheme").and_then(|a| text(a, "key")),
        auth_sealed,
    ) {
        match app.sealer.open(sealed) {
            Ok(value) => {
                use crypto::ExposeSecret;
                out.push((key.to_owned(), value.expose_secret().to_owned()));
            }
            Err(err) => tracing::error!(error = %err, "hook auth value unreadable"),
        }
    }
    out
}

/// POSTs `body` to the channel with one retry (Okta's rule for verification and execute):
/// the JSON answer of a 2xx, or why there was none.
pub async fn post_json(
    app: &AppState,
    channel: &Value,
    auth_sealed: Option<&str>,
    body: &Value,
) -> Result<Value, String> {
    let uri = uri(channel).unwrap_or_default().to_owned();
    let mut failure = String::new();
    for _ in 0..2 {
        let mut request = app
            .outbound
            .post(&uri)
            .header("Accept", "application/json")
            .json(body);
        for (k, v) in headers(app, channel, auth_sealed) {
            request = request.header(k, v);
        }
        match request.send().await {
            Ok(resp) if resp.status().is_success() => match resp.json::<Value>().await {
                Ok(answer) => return Ok(answer),
                Err(_) => failure = "the endpoint did not answer with JSON".into(),
            },
            Ok(resp) => failure = format!("the endpoint answered HTTP {}", resp.status().as_u16()),
            Err(err) => failure = format!("the endpoint could not be reached: {err}"),
        }
    }
    Err(failure)
}
