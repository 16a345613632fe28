//! Sessions: a session token is redeemed once, even by concurrent takes, and never after it
//! expires; sessions are found only while live, a refresh extends the idle expiry but never
//! past the maximum, and every change commits with its event; deleting all of a user's
//! sessions touches no other user's.

use super::{event, events_of, user};
use crate::{SessionRecord, SessionTokenRecord, Store, StoreError, UserRecord};

fn token(hash: &str, user_id: &str, created: i64, expires_at: i64) -> SessionTokenRecord {
    SessionTokenRecord {
        token_hash: hash.into(),
        user_id: user_id.into(),
        amr: vec!["pwd".into(), "otp".into(), "mfa".into()],
        mfa_active: true,
        password_verified: Some(created - 5),
        factor_verified: Some(created - 1),
        created,
        expires_at,
    }
}

fn session(id: &str, u: &UserRecord, created: i64, idle_ms: i64, max_ms: i64) -> SessionRecord {
    let max_expires_at = if max_ms > 0 { created + max_ms } else { 0 };
    let idle_expires_at = if max_ms > 0 {
        (created + idle_ms).min(max_expires_at)
    } else {
        created + idle_ms
    };
    SessionRecord {
        id: id.into(),
        user_id: u.id.clone(),
        login: u.login_lower(),
        status: "ACTIVE".into(),
        amr: vec!["pwd".into()],
        idp_id: "00otest".into(),
        idp_type: "OKTA".into(),
        mfa_active: false,
        created,
        last_password_verification: Some(created),
        last_factor_verification: None,
        idle_ms,
        idle_expires_at,
        max_expires_at,
        persistent_cookie: false,
        cookie_hash: format!("cookie-{id}"),
        version: 0,
    }
}

async fn stored_user(store: &dyn Store, login: &str) -> UserRecord {
    let u = user(login, 1);
    store
        .insert_user(&u, &[], &event("user.lifecycle.create", 1))
        .await
        .unwrap();
    u
}

pub async fn tokens_are_taken_once(store: &dyn Store) {
    let ann = stored_user(store, "session.token.ann@example.com").await;
    let t = token("hash-a", &ann.id, 1_000, 301_000);
    store.insert_session_token(&t).await.unwrap();
    assert_eq!(
        store
            .take_session_token("hash-unknown", 1_001)
            .await
            .unwrap(),
        None,
        "sessions: an unknown token is not taken"
    );
    assert_eq!(
        store.take_session_token("hash-a", 1_001).await.unwrap(),
        Some(t.clone()),
        "sessions: a token is taken field for field"
    );
    assert_eq!(
        store.take_session_token("hash-a", 1_002).await.unwrap(),
        None,
        "sessions: a token is taken once"
    );

    store
        .insert_session_token(&token("hash-b", &ann.id, 2_000, 302_000))
        .await
        .unwrap();
    assert_eq!(
        store.take_session_token("hash-b", 302_000).await.unwrap(),
        None,
        "sessions: a token is not taken once it has expired"
    );

    // Racing takes of one token: exactly one wins.
    store
        .insert_session_token(&token("hash-race", &ann.id, 3_000, 303_000))
        .await
        .unwrap();
    let takes =
        futures::future::join_all((0..8).map(|i| store.take_session_token("hash-race", 3_001 + i)))
            .await;
    let wins = takes.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
    assert!(
        takes.iter().all(Result::is_ok),
        "sessions: racing takes do not fail"
    );
    assert_eq!(
        wins, 1,
        "sessions: of racing takes of one token exactly one wins"
    );
}

pub async fn live_sessions_refresh_within_bounds(store: &dyn Store) {
    let ann = stored_user(store, "session.live.ann@example.com").await;
    // Idle 1 s, maximum 2.5 s from 10 s.
    let s = session("102liveA", &ann, 10_000, 1_000, 2_500);
    store
        .insert_session(&s, &event("conf.session.start", 10_000))
        .await
        .unwrap();
    assert_eq!(
        store.session_by_id("102liveA", 10_500).await.unwrap(),
        Some(s.clone()),
        "sessions: read back field for field"
    );
    assert_eq!(
        store
            .session_by_cookie("cookie-102liveA", 10_500)
            .await
            .unwrap(),
        Some(s.clone()),
        "sessions: found by cookie hash"
    );
    assert_eq!(
        store.session_by_id("102liveA", 11_000).await.unwrap(),
        None,
        "sessions: not found once idle past its expiry"
    );
    assert_eq!(events_of(store, "conf.session.start").await.len(), 1);

    let again = SessionRecord {
        id: "102liveDup".into(),
        ..s.clone()
    };
    assert!(
        matches!(
            store
                .insert_session(&again, &event("conf.session.dup", 10_001))
                .await,
            Err(StoreError::Duplicate { field: "sid" })
        ),
        "sessions: cookie hashes are unique"
    );
    assert!(
        events_of(store, "conf.session.dup").await.is_empty(),
        "sessions: a refused insert writes no event"
    );

    let refreshed = store
        .refresh_session("102liveA", 10_800, &event("conf.session.refresh", 10_800))
        .await
        .unwrap()
        .expect("a live session refreshes");
    assert_eq!(
        (refreshed.idle_expires_at, refreshed.version),
        (11_800, 1),
        "sessions: a refresh moves the idle expiry to now + idle and bumps the version"
    );
    let capped = store
        .refresh_session("102liveA", 11_700, &event("conf.session.refresh", 11_700))
        .await
        .unwrap()
        .expect("still live");
    assert_eq!(
        capped.idle_expires_at, 12_500,
        "sessions: a refresh never passes the maximum"
    );
    assert_eq!(
        store
            .session_by_id("102liveA", 12_400)
            .await
            .unwrap()
            .map(|s| s.idle_expires_at),
        Some(12_500)
    );
    assert_eq!(
        store
            .refresh_session("102liveA", 12_500, &event("conf.session.refresh", 12_500))
            .await
            .unwrap(),
        None,
        "sessions: a session past its maximum does not refresh"
    );
    assert_eq!(
        events_of(store, "conf.session.refresh").await.len(),
        2,
        "sessions: each refresh that happened wrote its event, the refused one none"
    );
    assert!(
        !store
            .delete_session("102liveA", 12_500, &event("conf.session.end", 12_500))
            .await
            .unwrap(),
        "sessions: an expired session is not deleted"
    );
    assert!(events_of(store, "conf.session.end").await.is_empty());

    // No maximum: a refresh always adds the idle lifetime.
    let open = session("102liveB", &ann, 20_000, 1_000, 0);
    store
        .insert_session(&open, &event("conf.session.start", 20_000))
        .await
        .unwrap();
    let mut now = 20_000;
    for _ in 0..5 {
        now += 900;
        let r = store
            .refresh_session("102liveB", now, &event("conf.session.refresh.open", now))
            .await
            .unwrap()
            .expect("refreshed within the idle window");
        assert_eq!(r.idle_expires_at, now + 1_000);
        assert_eq!(r.max_expires_at, 0);
    }
    assert!(store
        .delete_session("102liveB", now, &event("conf.session.end", now))
        .await
        .unwrap());
    assert!(
        !store
            .delete_session("102liveB", now, &event("conf.session.end", now))
            .await
            .unwrap(),
        "sessions: deleting twice finds nothing"
    );
    assert_eq!(events_of(store, "conf.session.end").await.len(), 1);
    assert_eq!(store.session_by_id("102liveB", now).await.unwrap(), None);
}

pub async fn deleting_a_users_sessions_touches_only_that_user(store: &dyn Store) {
    let ann = stored_user(store, "session.all.ann@example.com").await;
    let bob = stored_user(store, "session.all.bob@example.com").await;
    for (id, u) in [("102allA1", &ann), ("102allA2", &ann), ("102allB1", &bob)] {
        store
            .insert_session(
                &session(id, u, 50_000, 60_000, 0),
                &event("conf.session.start", 50_000),
            )
            .await
            .unwrap();
    }
    store
        .insert_session_token(&token("hash-all-ann", &ann.id, 50_000, 350_000))
        .await
        .unwrap();
    store
        .insert_session_token(&token("hash-all-bob", &bob.id, 50_000, 350_000))
        .await
        .unwrap();
    assert_eq!(
        store
            .delete_user_sessions(&ann.id, &event("conf.session.clear", 51_000))
            .await
            .unwrap(),
        2
    );
    for id in ["102allA1", "102allA2"] {
        assert_eq!(store.session_by_id(id, 51_000).await.unwrap(), None);
    }
    assert!(
        store
            .session_by_id("102allB1", 51_000)
            .await
            .unwrap()
            .is_some(),
        "sessions: another user's session stays"
    );
    assert_eq!(
        store
            .take_session_token("hash-all-ann", 51_000)
            .await
            .unwrap(),
        None,
        "sessions: the user's unredeemed tokens go too"
    );
    assert!(store
        .take_session_token("hash-all-bob", 51_000)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        store
            .delete_user_sessions(&ann.id, &event("conf.session.clear", 52_000))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        events_of(store, "conf.session.clear").await.len(),
        2,
        "sessions: clearing writes its event even when there was nothing to clear"
    );
    assert!(store
        .delete_user(&bob.id, &event("user.lifecycle.delete.completed", 53_000))
        .await
        .unwrap());
    assert_eq!(
        store.session_by_id("102allB1", 53_000).await.unwrap(),
        None,
        "sessions: deleted with their user"
    );
}

/// The hourly sweep deletes expired sessions and tokens and keeps live ones.
pub async fn purge_takes_only_expired_sessions_and_tokens(store: &dyn Store) {
    let u = stored_user(store, "purge.sessions@example.com").await;
    let old = session("102purgeOld000000000", &u, 1_000, 1_000, 0);
    let live = session("102purgeLive00000000", &u, 1_000, 1_000_000, 0);
    for s in [&old, &live] {
        store
            .insert_session(s, &event("user.session.start", 1_000))
            .await
            .unwrap();
    }
    store
        .insert_session_token(&token("purge-dead", &u.id, 1_000, 2_000))
        .await
        .unwrap();
    store
        .insert_session_token(&token("purge-live", &u.id, 1_000, 1_000_000))
        .await
        .unwrap();
    assert!(store.purge_sessions(5_000).await.unwrap() >= 2);
    assert!(
        store
            .session_by_id("102purgeOld000000000", 0)
            .await
            .unwrap()
            .is_none(),
        "sessions: an expired session is purged"
    );
    assert!(
        store
            .session_by_id("102purgeLive00000000", 5_000)
            .await
            .unwrap()
            .is_some(),
        "sessions: a live session stays"
    );
    assert!(
        store
            .take_session_token("purge-live", 5_000)
            .await
            .unwrap()
            .is_some(),
        "sessions: a live token stays"
    );
}
