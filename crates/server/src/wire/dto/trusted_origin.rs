//! `TrustedOrigin` as rendered and `TrustedOriginWrite`, the body of Create and Replace
//! Trusted Origin (trusted-origins.md, "Trusted Origin object"; the TrustedOrigin tag).
//!
//! `_links` follow Okta's answers: `self` (GET, PUT, DELETE) always, plus `deactivate` (POST)
//! on an ACTIVE origin or `activate` (POST) on an INACTIVE one. `self` is exactly
//! `{publicUrl}/api/v1/trustedOrigins/{id}`, the key the Node SDK caches under.

use model::time::Timestamp;
use model::trusted_origins::{AllowedOktaApp, ScopeInput, ScopeType};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::TrustedOriginRecord;

use crate::wire::links::Links;

/// The body of Create Trusted Origin and Replace Trusted Origin. Read-only fields a client
/// echoes back on PUT (`id`, `status`, `created`, `_links`, ...) are ignored, as are unknown
/// ones. A scope `type` or `allowedOktaApps` value outside the spec's enums makes the body
/// malformed (E0000003), as Okta answers.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TrustedOriginWrite {
    pub name: Option<String>,
    pub origin: Option<String>,
    pub scopes: Option<Vec<TrustedOriginScope>>,
}

/// One `TrustedOriginScope` of a request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustedOriginScope {
    #[serde(rename = "type")]
    pub scope_type: Option<ScopeType>,
    pub allowed_okta_apps: Option<Vec<AllowedOktaApp>>,
}

impl TrustedOriginWrite {
    /// The scopes as the domain checks them.
    pub fn scope_inputs(&self) -> Vec<ScopeInput> {
        self.scopes
            .iter()
            .flatten()
            .map(|s| ScopeInput {
                scope_type: s.scope_type,
                allowed_okta_apps: s.allowed_okta_apps.clone(),
            })
            .collect()
    }
}

pub fn render(origin: &TrustedOriginRecord, links: &Links) -> Value {
    let href = links.api(&format!("trustedOrigins/{}", origin.id));
    let self_link = json!({
        "href": href,
        "hints": { "allow": ["GET", "PUT", "DELETE"] },
    });
    let lifecycle = |op: &str| {
        json!({
            "href": format!("{href}/lifecycle/{op}"),
            "hints": { "allow": ["POST"] },
        })
    };
    let mut link_map = Map::new();
    link_map.insert("self".into(), self_link);
    if origin.status == "ACTIVE" {
        link_map.insert("deactivate".into(), lifecycle("deactivate"));
    } else {
        link_map.insert("activate".into(), lifecycle("activate"));
    }
    json!({
        "id": origin.id,
        "name": origin.name,
        "origin": origin.origin,
        "scopes": origin.scopes,
        "status": origin.status,
        "created": Timestamp(origin.created).to_iso(),
        "createdBy": origin.created_by,
        "lastUpdated": Timestamp(origin.last_updated).to_iso(),
        "lastUpdatedBy": origin.last_updated_by,
        "_links": link_map,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::trusted_origins::Scope;

    fn record(status: &str) -> TrustedOriginRecord {
        TrustedOriginRecord {
            id: "tos10hu7rkbtrFt1M0g4".into(),
            name: "New Trusted Origin".into(),
            origin: "http://example.com".into(),
            scopes: vec![
                Scope::of(ScopeType::Cors),
                Scope::of(ScopeType::IframeEmbed),
            ],
            status: status.into(),
            created: 1_515_805_904_000,
            created_by: "00ut5t92p6IEOi4bu0g3".into(),
            last_updated: 1_515_805_905_000,
            last_updated_by: "00ut5t92p6IEOi4bu0g3".into(),
        }
    }

    #[test]
    fn renders_the_reference_shape() {
        let links = Links::new("https://org.example.com/");
        let body = render(&record("ACTIVE"), &links);
        let href = "https://org.example.com/api/v1/trustedOrigins/tos10hu7rkbtrFt1M0g4";
        assert_eq!(
            body,
            json!({
                "id": "tos10hu7rkbtrFt1M0g4",
                "name": "New Trusted Origin",
                "origin": "http://example.com",
                "scopes": [{"type": "CORS"}, {"type": "IFRAME_EMBED", "allowedOktaApps": []}],
                "status": "ACTIVE",
                "created": "2018-01-13T01:11:44.000Z",
                "createdBy": "00ut5t92p6IEOi4bu0g3",
                "lastUpdated": "2018-01-13T01:11:45.000Z",
                "lastUpdatedBy": "00ut5t92p6IEOi4bu0g3",
                "_links": {
                    "self": {"href": href, "hints": {"allow": ["GET", "PUT", "DELETE"]}},
                    "deactivate": {
                        "href": format!("{href}/lifecycle/deactivate"),
                        "hints": {"allow": ["POST"]},
                    },
                },
            })
        );
        let inactive = render(&record("INACTIVE"), &links);
        assert_eq!(
            inactive["_links"]["activate"]["href"],
            format!("{href}/lifecycle/activate")
        );
        assert!(inactive["_links"].get("deactivate").is_none());
    }

    #[test]
    fn unknown_enum_values_do_not_parse() {
        let bad_type = r#"{"name":"x","origin":"https://x","scopes":[{"type":"Redirect"}]}"#;
        assert!(serde_json::from_str::<TrustedOriginWrite>(bad_type).is_err());
        let bad_app = r#"{"scopes":[{"type":"IFRAME_EMBED","allowedOktaApps":["OKTA_ADMIN"]}]}"#;
        assert!(serde_json::from_str::<TrustedOriginWrite>(bad_app).is_err());
        let echoed = r#"{"id":"tos1","status":"INACTIVE","name":"x","_links":{},"scopes":[]}"#;
        assert!(serde_json::from_str::<TrustedOriginWrite>(echoed).is_ok());
    }
}
