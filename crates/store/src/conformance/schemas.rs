//! Profile schemas: versioned saves, unique values held by every write path, removal of a
//! property's values.

use serde_json::json;

use super::{event, group, user};
use crate::{ProfileSchemaRecord, SchemaChange, Store, StoreError};

fn schema(id: &str, version: i64) -> ProfileSchemaRecord {
    ProfileSchemaRecord {
        id: id.into(),
        document: json!({ "custom": {}, "base": {} }),
        created: 1_000,
        last_updated: 1_000,
        version,
    }
}

fn unique(names: &[&str], added: &[&str]) -> SchemaChange {
    SchemaChange {
        unique: names.iter().map(|n| (*n).to_owned()).collect(),
        added_unique: added.iter().map(|n| (*n).to_owned()).collect(),
        ..SchemaChange::default()
    }
}

pub async fn saves_are_versioned_and_unique_values_hold_on_every_write(store: &dyn Store) {
    let id = "user:otyschemas";
    assert!(store.profile_schema(id).await.unwrap().is_none());
    let mut a = user("schema.a@example.com", 1_000);
    a.type_id = "otyschemas".into();
    a.profile.insert("badge".into(), json!("B-1"));
    let mut b = user("schema.b@example.com", 1_000);
    b.type_id = "otyschemas".into();
    b.profile.insert("badge".into(), json!("b-1"));
    for u in [&a, &b] {
        store.insert_user(u, &[], &event("x", 1_000)).await.unwrap();
    }

    // Two values equal but for case: the property cannot become unique.
    let refused = store
        .save_profile_schema(&schema(id, 0), &unique(&["badge"], &["badge"]))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Duplicate { field: "unique" })),
        "schemas: repeated values refuse a unique declaration: {refused:?}"
    );
    assert!(
        store.profile_schema(id).await.unwrap().is_none(),
        "schemas: a refused save writes nothing"
    );

    let mut b2 = store.user_by_id(&b.id).await.unwrap().unwrap();
    b2.profile.insert("badge".into(), json!("B-2"));
    store.update_user(&b2, &event("x", 1_500)).await.unwrap();
    assert!(store
        .save_profile_schema(&schema(id, 0), &unique(&["badge"], &["badge"]))
        .await
        .unwrap());
    assert!(
        !store
            .save_profile_schema(&schema(id, 0), &SchemaChange::default())
            .await
            .unwrap(),
        "schemas: a save from a stale version changes nothing"
    );
    let saved = store.profile_schema(id).await.unwrap().unwrap();
    assert_eq!(saved.version, 1);
    assert_eq!(
        store
            .unique_value_owner("user", "badge", "b-1")
            .await
            .unwrap(),
        Some(a.id.clone()),
        "schemas: values are kept in lower case"
    );

    // Insert, update and import all meet the same key.
    let mut c = user("schema.c@example.com", 2_000);
    c.type_id = "otyschemas".into();
    c.profile.insert("badge".into(), json!("b-2"));
    let dup = store.insert_user(&c, &[], &event("x", 2_000)).await;
    assert!(
        matches!(dup, Err(StoreError::Duplicate { field: "unique" })),
        "schemas: an insert with a taken value is refused: {dup:?}"
    );
    c.profile.insert("badge".into(), json!("B-3"));
    store
        .insert_user(&c, &[], &event("x", 2_000))
        .await
        .unwrap();
    let mut c2 = store.user_by_id(&c.id).await.unwrap().unwrap();
    c2.profile.insert("badge".into(), json!("B-1"));
    let dup = store.update_user(&c2, &event("x", 2_100)).await;
    assert!(
        matches!(dup, Err(StoreError::Duplicate { field: "unique" })),
        "schemas: an update to a taken value is refused: {dup:?}"
    );
    // A user of a type that does not declare the property takes nothing.
    let mut other = user("schema.d@example.com", 2_000);
    other.profile.insert("badge".into(), json!("B-1"));
    store
        .insert_user(&other, &[], &event("x", 2_000))
        .await
        .unwrap();
    // Deleting frees the value.
    assert!(store.delete_user(&a.id, &event("x", 2_200)).await.unwrap());
    c2.profile.insert("badge".into(), json!("B-1"));
    store.update_user(&c2, &event("x", 2_300)).await.unwrap();

    // Removing the property takes its values out of the type's profiles only.
    let removal = SchemaChange {
        removed: vec!["badge".into()],
        ..SchemaChange::default()
    };
    assert!(store
        .save_profile_schema(&schema(id, 1), &removal)
        .await
        .unwrap());
    let c3 = store.user_by_id(&c.id).await.unwrap().unwrap();
    assert!(
        !c3.profile.contains_key("badge"),
        "schemas: a removed property's values are gone"
    );
    assert!(
        c3.version > c2.version,
        "schemas: removal moves the version"
    );
    let kept = store.user_by_id(&other.id).await.unwrap().unwrap();
    assert_eq!(
        kept.profile["badge"], "B-1",
        "schemas: other types keep theirs"
    );
    assert_eq!(
        store
            .unique_value_owner("user", "badge", "b-1")
            .await
            .unwrap(),
        None
    );

    // Groups: the same rules under their own scope.
    assert!(store
        .save_profile_schema(&schema("group", 0), &unique(&["code"], &["code"]))
        .await
        .unwrap());
    let mut g = group("Schema One", "OKTA_GROUP", 3_000);
    g.profile.insert("code".into(), json!("G1"));
    store.insert_group(&g, &event("x", 3_000)).await.unwrap();
    let mut h = group("Schema Two", "OKTA_GROUP", 3_000);
    h.profile.insert("code".into(), json!("g1"));
    let dup = store.insert_group(&h, &event("x", 3_000)).await;
    assert!(
        matches!(dup, Err(StoreError::Duplicate { field: "unique" })),
        "schemas: a group with a taken value is refused: {dup:?}"
    );
}
