//! `EventHook` as rendered: the auth header value is write-only and never appears.

use model::time::Timestamp;
use serde_json::{json, Value};
use store::EventHookRecord;

use crate::wire::links::Links;

pub fn render(hook: &EventHookRecord, links: &Links) -> Value {
    let href = links.api(&format!("eventHooks/{}", hook.id));
    let lifecycle = if hook.status == "ACTIVE" {
        "deactivate"
    } else {
        "activate"
    };
    json!({
        "id": hook.id,
        "name": hook.name,
        "status": hook.status,
        "verificationStatus": hook.verification_status,
        "events": hook.events,
        "channel": hook.channel,
        "created": Timestamp(hook.created).to_iso(),
        "lastUpdated": Timestamp(hook.last_updated).to_iso(),
        "_links": {
            "self": { "href": href, "hints": { "allow": ["GET", "PUT", "DELETE"] } },
            lifecycle: { "href": format!("{href}/lifecycle/{lifecycle}"), "hints": { "allow": ["POST"] } },
            "verify": { "href": format!("{href}/lifecycle/verify"), "hints": { "allow": ["POST"] } },
        },
    })
}
