//! Trusted origins: CRUD with events, unique origin keys and names, status changes, the
//! CORS/redirect look-up, keyset pages under inserts, `q` and `filter`.

use std::collections::HashSet;

use model::trusted_origins::{AllowedOktaApp, Scope, ScopeType};

use super::{event, events_of};
use crate::{PageKey, Store, StoreError, TrustedOriginQuery, TrustedOriginRecord};

const CREATE: &str = "security.trusted_origin.create";
/// The event of writes that must find nothing (and so never commit it).
const NONE: &str = "conformance.trusted_origin.none";

/// A trusted origin record for tests.
pub fn trusted_origin(
    name: &str,
    origin: &str,
    scopes: &[ScopeType],
    now: i64,
) -> TrustedOriginRecord {
    TrustedOriginRecord {
        id: model::ids::new_id(model::ids::Kind::TrustedOrigin),
        name: name.into(),
        origin: origin.into(),
        scopes: scopes.iter().map(|t| Scope::of(*t)).collect(),
        status: "ACTIVE".into(),
        created: now,
        created_by: "00ucreator".into(),
        last_updated: now,
        last_updated_by: "00ucreator".into(),
    }
}

async fn page(store: &dyn Store, query: TrustedOriginQuery) -> Vec<TrustedOriginRecord> {
    store
        .list_trusted_origins(&query)
        .await
        .expect("list trusted origins")
}

fn names(rows: &[TrustedOriginRecord]) -> Vec<&str> {
    rows.iter().map(|r| r.name.as_str()).collect()
}

pub async fn crud_unique_keys_and_events(store: &dyn Store) {
    let before = events_of(store, CREATE).await.len();
    let mut web = trusted_origin(
        "Web App",
        "https://App.Example.com:443/",
        &[ScopeType::Cors, ScopeType::IframeEmbed],
        1_000,
    );
    if let Some(apps) = web
        .scopes
        .get_mut(1)
        .and_then(|s| s.allowed_okta_apps.as_mut())
    {
        apps.push(AllowedOktaApp::OktaEnduser);
    }
    store
        .insert_trusted_origin(&web, &event(CREATE, 1_000))
        .await
        .expect("insert");
    let got = store
        .trusted_origin_by_id(&web.id)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        got, web,
        "trusted origins: a stored origin reads back field for field"
    );

    // The same origin in another spelling, and the same name in another case, are taken.
    let same_origin = trusted_origin(
        "Other",
        "HTTPS://app.example.com",
        &[ScopeType::Cors],
        1_001,
    );
    assert!(
        matches!(
            store
                .insert_trusted_origin(&same_origin, &event(CREATE, 1_001))
                .await,
            Err(StoreError::Duplicate { field: "origin" })
        ),
        "trusted origins: origin keys are unique"
    );
    let same_name = trusted_origin(
        "web app",
        "https://other.example.com",
        &[ScopeType::Cors],
        1_002,
    );
    assert!(
        matches!(
            store
                .insert_trusted_origin(&same_name, &event(CREATE, 1_002))
                .await,
            Err(StoreError::Duplicate { field: "name" })
        ),
        "trusted origins: names are unique ignoring case"
    );
    assert_eq!(
        events_of(store, CREATE).await.len(),
        before + 1,
        "trusted origins: a refused write leaves no event"
    );

    let other = trusted_origin(
        "Other",
        "https://other.example.com",
        &[ScopeType::Redirect],
        1_003,
    );
    store
        .insert_trusted_origin(&other, &event(CREATE, 1_003))
        .await
        .expect("insert other");

    // Replace: name, origin and scopes change; the status does not.
    let mut changed = got.clone();
    changed.name = "Web App v2".into();
    changed.origin = "https://v2.example.com".into();
    changed.scopes = vec![Scope::of(ScopeType::Redirect)];
    changed.status = "INACTIVE".into();
    changed.last_updated = 2_000;
    changed.last_updated_by = "00ueditor".into();
    let saved = store
        .update_trusted_origin(&changed, &event("security.trusted_origin.update", 2_000))
        .await
        .expect("update")
        .expect("present");
    assert_eq!(
        (
            saved.name.as_str(),
            saved.origin.as_str(),
            saved.status.as_str()
        ),
        ("Web App v2", "https://v2.example.com", "ACTIVE"),
        "trusted origins: replace keeps the status"
    );
    assert_eq!(saved.scopes, changed.scopes);
    assert_eq!(
        (saved.created, saved.created_by.as_str()),
        (1_000, "00ucreator")
    );
    assert_eq!(
        (saved.last_updated, saved.last_updated_by.as_str()),
        (2_000, "00ueditor")
    );
    assert_eq!(
        store.trusted_origin_by_id(&web.id).await.expect("get"),
        Some(saved.clone()),
        "trusted origins: the returned row is the stored row"
    );

    let mut clash = saved.clone();
    clash.origin = "https://OTHER.example.com:443".into();
    assert!(
        matches!(
            store
                .update_trusted_origin(&clash, &event("security.trusted_origin.update", 2_001))
                .await,
            Err(StoreError::Duplicate { field: "origin" })
        ),
        "trusted origins: replace cannot take another origin's key"
    );
    let mut missing = saved.clone();
    missing.id = model::ids::new_id(model::ids::Kind::TrustedOrigin);
    assert_eq!(
        store
            .update_trusted_origin(&missing, &event("security.trusted_origin.update", 2_002))
            .await
            .expect("update missing"),
        None
    );

    let inactive = store
        .set_trusted_origin_status(
            &web.id,
            "INACTIVE",
            3_000,
            "00uother",
            &event("security.trusted_origin.deactivate", 3_000),
        )
        .await
        .expect("deactivate")
        .expect("present");
    assert_eq!(
        (
            inactive.status.as_str(),
            inactive.last_updated,
            inactive.name.as_str()
        ),
        ("INACTIVE", 3_000, "Web App v2"),
        "trusted origins: a status change keeps the rest"
    );
    assert_eq!(
        store
            .set_trusted_origin_status(&missing.id, "ACTIVE", 3_001, "x", &event(NONE, 3_001))
            .await
            .expect("status of missing"),
        None
    );

    for id in [&web.id, &other.id] {
        assert!(store
            .delete_trusted_origin(id, &event("security.trusted_origin.delete", 4_000))
            .await
            .expect("delete"));
        assert_eq!(store.trusted_origin_by_id(id).await.expect("get"), None);
    }
    assert!(!store
        .delete_trusted_origin(&web.id, &event(NONE, 4_001))
        .await
        .expect("delete twice"));
    assert_eq!(
        events_of(store, NONE).await.len(),
        0,
        "trusted origins: writes that find nothing leave no event"
    );
    // A deleted origin's key and name are free again.
    let again = trusted_origin(
        "Web App v2",
        "https://v2.example.com",
        &[ScopeType::Cors],
        5_000,
    );
    store
        .insert_trusted_origin(&again, &event(CREATE, 5_000))
        .await
        .expect("reuse key and name");
    store
        .delete_trusted_origin(&again.id, &event("security.trusted_origin.delete", 5_001))
        .await
        .expect("clean up");
}

pub async fn lookups_need_active_status_and_the_scope(store: &dyn Store) {
    let both = trusted_origin(
        "Lookup both",
        "http://localhost:4000",
        &[ScopeType::Cors, ScopeType::Redirect],
        6_000,
    );
    let redirect = trusted_origin(
        "Lookup redirect",
        "https://redirect-only.example.com",
        &[ScopeType::Redirect],
        6_001,
    );
    for o in [&both, &redirect] {
        store
            .insert_trusted_origin(o, &event(CREATE, 6_000))
            .await
            .expect("insert");
    }
    let trusted = |key: &'static str, scope| async move {
        store.origin_is_trusted(key, scope).await.expect("look-up")
    };
    assert!(trusted("http://localhost:4000", ScopeType::Cors).await);
    assert!(trusted("http://localhost:4000", ScopeType::Redirect).await);
    assert!(!trusted("http://localhost:4000", ScopeType::IframeEmbed).await);
    assert!(!trusted("http://localhost:4001", ScopeType::Cors).await);
    assert!(
        !trusted("https://redirect-only.example.com", ScopeType::Cors).await,
        "trusted origins: CORS needs the CORS scope"
    );
    assert!(trusted("https://redirect-only.example.com", ScopeType::Redirect).await);

    store
        .set_trusted_origin_status(&both.id, "INACTIVE", 6_100, "00u", &event("d", 6_100))
        .await
        .expect("deactivate")
        .expect("present");
    assert!(
        !trusted("http://localhost:4000", ScopeType::Cors).await,
        "trusted origins: an INACTIVE origin grants nothing"
    );
    store
        .set_trusted_origin_status(&both.id, "ACTIVE", 6_200, "00u", &event("a", 6_200))
        .await
        .expect("activate")
        .expect("present");
    assert!(trusted("http://localhost:4000", ScopeType::Cors).await);

    let mut narrowed = both.clone();
    narrowed.scopes = vec![Scope::of(ScopeType::Redirect)];
    narrowed.last_updated = 6_300;
    store
        .update_trusted_origin(&narrowed, &event("u", 6_300))
        .await
        .expect("narrow")
        .expect("present");
    assert!(
        !trusted("http://localhost:4000", ScopeType::Cors).await,
        "trusted origins: a replaced scope list is what the look-up sees"
    );
    for o in [&both, &redirect] {
        store
            .delete_trusted_origin(&o.id, &event("x-delete", 6_400))
            .await
            .expect("delete");
    }
    assert!(!trusted("https://redirect-only.example.com", ScopeType::Redirect).await);
}

pub async fn pages_filters_and_q(store: &dyn Store) {
    let mut expected = HashSet::new();
    for i in 0..23 {
        // Several share a created timestamp, so the id must break ties.
        let o = trusted_origin(
            &format!("page-{i:02}"),
            &format!("https://page{i}.example.com"),
            &[ScopeType::Cors],
            7_000 + i / 3,
        );
        store
            .insert_trusted_origin(&o, &event(CREATE, 7_000))
            .await
            .expect("seed");
        expected.insert(o.id);
    }
    let mut seen = Vec::new();
    let mut after: Option<PageKey> = None;
    let mut late = 0;
    loop {
        let mut rows = page(
            store,
            TrustedOriginQuery {
                q: Some("PAGE-".into()),
                after: after.clone(),
                limit: 5,
                ..Default::default()
            },
        )
        .await;
        let more = rows.len() > 5;
        rows.truncate(5);
        after = rows.last().map(|r| PageKey {
            key: serde_json::json!(r.created),
            id: r.id.clone(),
        });
        seen.extend(rows.into_iter().map(|r| r.id));
        // Inserts between pages, before and after the cursor.
        let o = trusted_origin(
            &format!("page-late-{late}"),
            &format!("https://late{late}.example.com"),
            &[ScopeType::Redirect],
            7_000 + late,
        );
        store
            .insert_trusted_origin(&o, &event(CREATE, 7_000))
            .await
            .expect("late insert");
        late += 1;
        if !more {
            break;
        }
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "trusted origins: keyset pages show no row twice"
    );
    assert!(
        expected.is_subset(&unique),
        "trusted origins: every row present before the scan is visited"
    );

    let special = trusted_origin(
        "Zeta_Portal%",
        "https://zeta.example.com:8443",
        &[ScopeType::Cors, ScopeType::IframeEmbed],
        8_000,
    );
    store
        .insert_trusted_origin(&special, &event(CREATE, 8_000))
        .await
        .expect("insert special");
    let special = store
        .set_trusted_origin_status(&special.id, "INACTIVE", 8_001, "00u", &event("d", 8_001))
        .await
        .expect("deactivate")
        .expect("present");
    assert_eq!(special.status, "INACTIVE");

    let q = |text: &str| TrustedOriginQuery {
        q: Some(text.into()),
        limit: 200,
        ..Default::default()
    };
    assert_eq!(names(&page(store, q("zeta_p")).await), ["Zeta_Portal%"]);
    assert_eq!(
        names(&page(store, q("HTTPS://ZETA")).await),
        ["Zeta_Portal%"],
        "trusted origins: q is a prefix of the origin too, ignoring case"
    );
    assert!(
        page(store, q("zeta%")).await.is_empty(),
        "trusted origins: q wildcards are literal"
    );
    assert!(
        page(store, q("eta")).await.is_empty(),
        "trusted origins: q is a prefix"
    );

    let filter = |text: &str| TrustedOriginQuery {
        filter: Some(model::expr::trusted_origins::parse_filter(text).expect("filter parses")),
        limit: 200,
        ..Default::default()
    };
    assert_eq!(
        names(&page(store, filter(r#"name eq "Zeta_Portal%""#)).await),
        ["Zeta_Portal%"]
    );
    assert!(page(store, filter(r#"name eq "zeta_portal%""#))
        .await
        .is_empty());
    assert_eq!(
        names(
            &page(
                store,
                filter(r#"origin eq "HTTPS://Zeta.example.com:8443/""#)
            )
            .await
        ),
        ["Zeta_Portal%"],
        "trusted origins: origin filters compare origin keys"
    );
    assert_eq!(
        names(&page(store, filter(r#"status eq "INACTIVE""#)).await),
        ["Zeta_Portal%"]
    );
    assert_eq!(
        names(&page(store, filter(r#"type eq "IFRAME_EMBED""#)).await),
        ["Zeta_Portal%"]
    );
    let redirects = page(
        store,
        filter(r#"type eq "REDIRECT" and status eq "ACTIVE""#),
    )
    .await;
    assert_eq!(redirects.len(), late as usize);
    assert!(redirects.iter().all(|r| r.name.starts_with("page-late-")));
    let either = page(
        store,
        filter(r#"name eq "page-00" or origin eq "https://page1.example.com""#),
    )
    .await;
    let mut either = names(&either);
    either.sort_unstable();
    assert_eq!(either, ["page-00", "page-01"]);
}
