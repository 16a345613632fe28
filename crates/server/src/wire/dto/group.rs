//! `Group` as rendered.

use model::time::Timestamp;
use serde_json::{json, Value};
use store::GroupRecord;

use crate::state::AppState;

pub fn render(group: &GroupRecord, app: &AppState) -> Value {
    let object_class = match group.group_type.as_str() {
        "APP_GROUP" => "okta:windows_security_principal",
        _ => "okta:user_group",
    };
    let href = app.links.api(&format!("groups/{}", group.id));
    json!({
        "id": group.id,
        "created": Timestamp(group.created).to_iso(),
        "lastUpdated": Timestamp(group.last_updated).to_iso(),
        "lastMembershipUpdated": Timestamp(group.last_membership_updated).to_iso(),
        "objectClass": [object_class],
        "type": group.group_type,
        "profile": group.profile,
        "_links": {
            "logo": [
                { "name": "medium", "href": app.links.page("assets/img/logos/groups/okta-medium.png"), "type": "image/png" },
                { "name": "large", "href": app.links.page("assets/img/logos/groups/okta-large.png"), "type": "image/png" },
            ],
            "users": { "href": format!("{href}/users") },
            "apps": { "href": format!("{href}/apps") },
        },
    })
}
