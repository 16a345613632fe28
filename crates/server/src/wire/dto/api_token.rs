//! `ApiToken` (the metadata of an API token; the secret is never rendered).

use model::time::Timestamp;
use serde_json::{json, Value};
use store::ApiTokenRecord;

use crate::wire::links::Links;

pub fn render(token: &ApiTokenRecord, links: &Links) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "userId": token.user_id,
        "clientName": token.client_name,
        "tokenWindow": "P30D",
        "network": token.network,
        "created": Timestamp(token.created).to_iso(),
        "lastUpdated": Timestamp(token.last_updated).to_iso(),
        "expiresAt": Timestamp(token.expires_at).to_iso(),
        "_links": {
            "self": {
                "href": links.api(&format!("api-tokens/{}", token.id)),
                "hints": { "allow": ["GET", "DELETE"] },
            },
            "user": {
                "href": links.api(&format!("users/{}", token.user_id)),
                "hints": { "allow": ["GET"] },
            },
        },
    })
}
