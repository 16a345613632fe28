//! `InlineHook` as rendered: the auth header value is write-only and never appears.

use model::time::Timestamp;
use serde_json::{json, Value};
use store::InlineHookRecord;

use crate::wire::links::Links;

pub fn render(hook: &InlineHookRecord, links: &Links) -> Value {
    let href = links.api(&format!("inlineHooks/{}", hook.id));
    let lifecycle = if hook.status == "ACTIVE" {
        "deactivate"
    } else {
        "activate"
    };
    json!({
        "id": hook.id,
        "name": hook.name,
        "type": hook.hook_type,
        "version": hook.version,
        "status": hook.status,
        "channel": hook.channel,
        "created": Timestamp(hook.created).to_iso(),
        "lastUpdated": Timestamp(hook.last_updated).to_iso(),
        "_links": {
            "self": { "href": href, "hints": { "allow": ["GET", "PUT", "DELETE"] } },
            lifecycle: { "href": format!("{href}/lifecycle/{lifecycle}"), "hints": { "allow": ["POST"] } },
            "execute": { "href": format!("{href}/execute"), "hints": { "allow": ["POST"] } },
        },
    })
}
