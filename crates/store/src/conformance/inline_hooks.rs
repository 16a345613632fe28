//! Inline hooks: create, read back field for field, list by type, update, delete.

use serde_json::json;

use super::event;
use crate::{InlineHookRecord, Store};

pub async fn crud_and_list_by_type(store: &dyn Store) {
    let hook = |id: &str, kind: &str| InlineHookRecord {
        id: id.into(),
        name: format!("inline {id}"),
        hook_type: kind.into(),
        version: "1.0.0".into(),
        status: "ACTIVE".into(),
        channel: json!({"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://h.test/x"}}),
        auth_value_sealed: Some("v1:sealed".into()),
        created: 1,
        last_updated: 1,
    };
    let a = hook("calA", "com.okta.telephony.provider");
    store
        .insert_inline_hook(&a, &event("inline_hook.created", 1))
        .await
        .expect("insert");
    store
        .insert_inline_hook(
            &hook("calB", "com.okta.import.transform"),
            &event("inline_hook.created", 1),
        )
        .await
        .expect("insert");
    assert_eq!(
        store.inline_hook_by_id("calA").await.expect("get"),
        Some(a.clone()),
        "inline hooks: read back"
    );
    let telephony = store
        .list_inline_hooks(Some("com.okta.telephony.provider"))
        .await
        .expect("list");
    assert_eq!(
        telephony.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        vec!["calA"],
        "inline hooks: list by type"
    );
    assert!(store.list_inline_hooks(None).await.expect("list").len() >= 2);
    let mut changed = a.clone();
    changed.status = "INACTIVE".into();
    changed.last_updated = 2;
    assert!(store
        .update_inline_hook(&changed, &event("inline_hook.deactivated", 2))
        .await
        .expect("update"));
    assert_eq!(
        store
            .inline_hook_by_id("calA")
            .await
            .expect("get")
            .map(|h| h.status),
        Some("INACTIVE".into())
    );
    assert!(store
        .delete_inline_hook("calA", &event("inline_hook.deleted", 3))
        .await
        .expect("delete"));
    assert!(!store
        .delete_inline_hook("calA", &event("inline_hook.deleted", 3))
        .await
        .expect("delete twice"));
}
