//! API tokens: found by hash, listed in pages, touched, revoked.

use serde_json::json;

use super::event;
use crate::{ApiTokenRecord, PageKey, Store};

pub async fn token_lifecycle(store: &dyn Store) {
    let mut ids = Vec::new();
    for i in 0..5 {
        let t = ApiTokenRecord {
            id: model::ids::new_id(model::ids::Kind::ApiToken),
            name: format!("t{i}"),
            user_id: "00uowner".into(),
            client_name: "conformance".into(),
            token_hash: format!("conformance-hash-{i}"),
            created: 100 + i,
            last_updated: 100 + i,
            expires_at: 1000,
            network: json!({"connection": "ANYWHERE"}),
        };
        store
            .insert_token(&t, &event("system.api_token.create", 100))
            .await
            .expect("insert token");
        ids.push(t.id);
    }
    let found = store
        .token_by_hash("conformance-hash-3")
        .await
        .expect("by hash")
        .expect("found");
    assert_eq!(found.name, "t3", "tokens: lookup by hash");
    store
        .touch_token(&found.id, 500, 5000)
        .await
        .expect("touch");
    let touched = store
        .token_by_id(&found.id)
        .await
        .expect("by id")
        .expect("found");
    assert_eq!(
        (touched.last_updated, touched.expires_at),
        (500, 5000),
        "tokens: touch moves expiry"
    );

    let mut renamed = touched.clone();
    renamed.name = "renamed".into();
    renamed.network = json!({"connection": "ZONE", "include": ["nzo1"]});
    renamed.last_updated = 600;
    assert!(store
        .update_token(&renamed, &event("system.api_token.update", 600))
        .await
        .expect("update"));
    let back = store
        .token_by_id(&found.id)
        .await
        .expect("by id")
        .expect("found");
    assert_eq!(
        (
            back.name.as_str(),
            back.network.clone(),
            back.token_hash.clone()
        ),
        ("renamed", renamed.network.clone(), found.token_hash.clone()),
        "tokens: update keeps the secret, changes name and network"
    );

    let mut seen = Vec::new();
    let mut after: Option<PageKey> = None;
    loop {
        let page = store
            .list_tokens(after.as_ref(), 2)
            .await
            .expect("list tokens");
        let more = page.len() > 2;
        let page: Vec<_> = page.into_iter().take(2).collect();
        after = page.last().map(|t| PageKey {
            key: json!(t.created),
            id: t.id.clone(),
        });
        seen.extend(page.into_iter().map(|t| t.id));
        if !more {
            break;
        }
    }
    for id in &ids {
        assert_eq!(
            seen.iter().filter(|s| *s == id).count(),
            1,
            "tokens: pages visit each once"
        );
    }
    assert!(store
        .revoke_token(&ids[0], &event("system.api_token.revoke", 600))
        .await
        .expect("revoke"));
    assert!(
        store
            .token_by_hash("conformance-hash-0")
            .await
            .expect("by hash")
            .is_none(),
        "tokens: revoked is gone"
    );
    assert!(!store
        .revoke_token(&ids[0], &event("system.api_token.revoke", 600))
        .await
        .expect("revoke twice"));
    // Nodes that listen hear of every later change and revocation, in commit order.
    if let Some(mut feed) = store.token_changes().await.expect("feed") {
        let mut changed = store.token_by_id(&ids[1]).await.unwrap().unwrap();
        changed.name = "renamed".into();
        assert!(store
            .update_token(&changed, &event("system.api_token.update", 700))
            .await
            .unwrap());
        assert!(store
            .revoke_token(&ids[2], &event("system.api_token.revoke", 701))
            .await
            .unwrap());
        for expected in [&ids[1], &ids[2]] {
            let heard = tokio::time::timeout(std::time::Duration::from_secs(5), feed.next())
                .await
                .expect("a change is heard at once")
                .expect("feed read");
            assert_eq!(heard.as_ref(), Some(expected), "tokens: the changed id");
        }
    }
}
