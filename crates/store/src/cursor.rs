//! Opaque `after` cursors for keyset pagination.
//!
//! A cursor names the last row of the previous page by its sort key and id. It is
//! URL-safe base64 of a small JSON document, so clients treat it as opaque and the server
//! can reject a forged or garbled one (E0000029) instead of scanning.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The position after which the next page starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageKey {
    /// The sort key of the last row: a number (timestamps) or a string.
    #[serde(rename = "k")]
    pub key: serde_json::Value,
    /// The id of the last row, breaking ties.
    pub id: String,
}

impl PageKey {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// None when the text is not a cursor this server wrote.
    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()?;
        let key: Self = serde_json::from_slice(&bytes).ok()?;
        (!key.id.is_empty()).then_some(key)
    }

    /// The sort key as an integer (for timestamp orders).
    pub fn key_i64(&self) -> Option<i64> {
        self.key.as_i64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let k = PageKey {
            key: serde_json::json!(1234),
            id: "00uabc".into(),
        };
        assert_eq!(PageKey::decode(&k.encode()), Some(k));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(PageKey::decode("not a cursor!"), None);
        assert_eq!(PageKey::decode(""), None);
        assert_eq!(PageKey::decode(&URL_SAFE_NO_PAD.encode(b"{\"k\":1}")), None);
    }
}
