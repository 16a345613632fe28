//! Bootstrap: the org, Everyone, the admin and its token are created exactly once.

use serde_json::json;

use super::{event, group, user};
use crate::{ApiTokenRecord, Bootstrap, OrgRecord, Store};

pub async fn bootstrap_happens_once(store: &dyn Store) {
    assert!(
        store.org().await.expect("org").is_none(),
        "fresh store has no org"
    );
    let make = |n: u8| Bootstrap {
        org: OrgRecord {
            id: format!("00o{n}"),
            name: "Test".into(),
            created: 1,
        },
        everyone: group("Everyone", "BUILT_IN", 1),
        admin: user(&format!("admin{n}@example.com"), 1),
        token: ApiTokenRecord {
            id: model::ids::new_id(model::ids::Kind::ApiToken),
            name: "bootstrap".into(),
            user_id: "x".into(),
            client_name: "t".into(),
            token_hash: format!("hash{n}"),
            created: 1,
            last_updated: 1,
            expires_at: 10,
            network: json!({"connection": "ANYWHERE"}),
        },
        events: vec![event("user.lifecycle.create", 1)],
    };
    let (first, second) = (make(1), make(2));
    let (a, b) = tokio::join!(store.bootstrap(&first), store.bootstrap(&second));
    let created = [a, b].into_iter().filter(|r| matches!(r, Ok(true))).count();
    assert_eq!(
        created, 1,
        "bootstrap: exactly one of two concurrent first starts creates the org"
    );
    assert!(
        !store.bootstrap(&make(3)).await.unwrap_or(true),
        "bootstrap: a later start creates nothing"
    );
    let everyone = store
        .everyone_group()
        .await
        .expect("everyone")
        .expect("Everyone exists");
    assert_eq!(everyone.group_type, "BUILT_IN");
    assert_eq!(store.list_tokens(None, 10).await.expect("tokens").len(), 1);
}
