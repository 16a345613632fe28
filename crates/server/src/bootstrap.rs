//! First start: the org, the Everyone group, the super-admin user and its API token, created
//! once in one transaction. The token is printed once and written to `<data>/admin-token`
//! (mode 0600); later starts find the org and create nothing.

use serde_json::{json, Map, Value};
use std::path::Path;
use store::{ApiTokenRecord, Bootstrap, GroupRecord, OrgRecord, Store, UserRecord, UserSecrets};

use crate::auth::ssws::TOKEN_WINDOW_MS;
use crate::events::{self, Actor};
use model::ids::{new_id, Kind};

/// The org, and the new admin token when this call created the org.
pub struct Bootstrapped {
    pub org: OrgRecord,
    pub new_admin_token: Option<String>,
}

pub async fn ensure_org(
    store: &dyn Store,
    org_name: &str,
    admin_login: &str,
    now: i64,
    admin_token: Option<&str>,
) -> anyhow::Result<Bootstrapped> {
    if let Some(org) = store.org().await? {
        ensure_super_admins(store, admin_login, now).await?;
        if let Some(fixed) = admin_token {
            ensure_fixed_token(store, admin_login, fixed, now).await?;
        }
        crate::policies::ensure_defaults(store, now).await?;
        ensure_default_user_type(store, &org, admin_login, now).await?;
        store
            .ensure_auth_server(&crate::oauth::servers::default_server(now))
            .await?;
        return Ok(Bootstrapped {
            org,
            new_admin_token: None,
        });
    }
    let org = OrgRecord {
        id: new_id(Kind::Org),
        name: org_name.to_owned(),
        created: now,
    };
    let mut everyone_profile = Map::new();
    everyone_profile.insert("name".into(), json!("Everyone"));
    everyone_profile.insert(
        "description".into(),
        json!("All users in your organization"),
    );
    let everyone = GroupRecord {
        id: new_id(Kind::Group),
        group_type: "BUILT_IN".into(),
        created: now,
        last_updated: now,
        last_membership_updated: now,
        profile: everyone_profile,
        source_id: None,
    };
    let local = admin_login.split('@').next().unwrap_or("admin");
    let mut profile = Map::new();
    profile.insert("login".into(), json!(admin_login));
    profile.insert("email".into(), json!(admin_login));
    profile.insert("firstName".into(), json!("Super"));
    profile.insert("lastName".into(), json!("Admin"));
    profile.insert(
        "displayName".into(),
        json!(format!("Super Admin ({local})")),
    );
    let admin = UserRecord {
        id: new_id(Kind::User),
        status: "ACTIVE".into(),
        transitioning_to_status: None,
        created: now,
        activated: Some(now),
        status_changed: Some(now),
        last_login: None,
        last_updated: now,
        password_changed: None,
        type_id: format!("oty{}", org.id.get(3..).unwrap_or_default()),
        profile,
        password_hash: None,
        recovery_question: None,
        recovery_answer_hash: None,
        provider_type: "OKTA".into(),
        provider_name: "OKTA".into(),
        secrets: UserSecrets::default(),
        version: 0,
    };
    let secret = admin_token.map_or_else(crypto::tokens::new_api_token, str::to_owned);
    let token = ApiTokenRecord {
        id: new_id(Kind::ApiToken),
        name: "bootstrap".into(),
        user_id: admin.id.clone(),
        client_name: "Latchkey".into(),
        token_hash: crypto::tokens::sha256_hex(&secret),
        created: now,
        last_updated: now,
        expires_at: now + TOKEN_WINDOW_MS,
        network: json!({ "connection": "ANYWHERE" }),
    };
    let system = Actor::system();
    let evs = vec![
        events::event(
            "group.lifecycle.create",
            "Create Okta group",
            &system,
            vec![
                json!({"id": everyone.id, "type": "UserGroup", "alternateId": "Everyone", "displayName": "Everyone"}),
            ],
            now,
        ),
        events::event(
            "user.lifecycle.create",
            "Create okta user",
            &system,
            vec![events::user_target(&admin)],
            now,
        ),
        events::event(
            "system.api_token.create",
            "Create API token",
            &system,
            vec![
                json!({"id": token.id, "type": "Token", "alternateId": token.name, "displayName": token.name, "detailEntry": Value::Null}),
            ],
            now,
        ),
    ];
    let created = store
        .bootstrap(&Bootstrap {
            org,
            everyone,
            admin,
            token,
            events: evs,
        })
        .await?;
    let org = store
        .org()
        .await?
        .ok_or_else(|| anyhow::anyhow!("org missing after bootstrap"))?;
    ensure_super_admins(store, admin_login, now).await?;
    crate::policies::ensure_defaults(store, now).await?;
    ensure_default_user_type(store, &org, admin_login, now).await?;
    store
        .ensure_auth_server(&crate::oauth::servers::default_server(now))
        .await?;
    Ok(Bootstrapped {
        org,
        new_admin_token: created.then_some(secret),
    })
}

/// A fixed admin token (`--admin-token`) given to an org that already exists: created for
/// the admin user unless a token with that value is there.
async fn ensure_fixed_token(
    store: &dyn Store,
    admin_login: &str,
    secret: &str,
    now: i64,
) -> anyhow::Result<()> {
    let hash = crypto::tokens::sha256_hex(secret);
    if store.token_by_hash(&hash).await?.is_some() {
        return Ok(());
    }
    let admin = store
        .user_by_login(&model::users::profile::login_lower(admin_login))
        .await?
        .ok_or_else(|| anyhow::anyhow!("--admin-token: the admin user {admin_login} is gone"))?;
    insert_token(
        store,
        &admin.id,
        "fixed admin token",
        "Latchkey",
        secret,
        now,
    )
    .await
}

/// Writes an API token with the value `secret` for `user_id`, with its event.
pub async fn insert_token(
    store: &dyn Store,
    user_id: &str,
    name: &str,
    client_name: &str,
    secret: &str,
    now: i64,
) -> anyhow::Result<()> {
    let token = ApiTokenRecord {
        id: new_id(Kind::ApiToken),
        name: name.to_owned(),
        user_id: user_id.to_owned(),
        client_name: client_name.to_owned(),
        token_hash: crypto::tokens::sha256_hex(secret),
        created: now,
        last_updated: now,
        expires_at: now + TOKEN_WINDOW_MS,
        network: json!({ "connection": "ANYWHERE" }),
    };
    let event = events::event(
        "system.api_token.create",
        "Create API token",
        &Actor::system(),
        vec![
            json!({"id": token.id, "type": "Token", "alternateId": token.name, "displayName": token.name, "detailEntry": Value::Null}),
        ],
        now,
    );
    store.insert_token(&token, &event).await?;
    Ok(())
}

/// Gives an org without role assignments its super administrators: the admin user, the
/// owner of every API token and every service app granted management scopes (a data folder
/// from before roles, where every token acted as a super administrator, keeps working).
/// Does nothing once any role is assigned.
async fn ensure_super_admins(store: &dyn Store, admin_login: &str, now: i64) -> anyhow::Result<()> {
    if store.count_role_assignments().await? > 0 {
        return Ok(());
    }
    let mut owners = std::collections::BTreeSet::new();
    if let Some(admin) = store
        .user_by_login(&model::users::profile::login_lower(admin_login))
        .await?
    {
        owners.insert(admin.id);
    }
    let mut after: Option<store::PageKey> = None;
    loop {
        let page = store.list_tokens(after.as_ref(), 200).await?;
        let Some(last) = page.last() else { break };
        after = Some(store::PageKey {
            key: json!(last.created),
            id: last.id.clone(),
        });
        let full = page.len() >= 200;
        owners.extend(page.into_iter().map(|t| t.user_id));
        if !full {
            break;
        }
    }
    // Service apps granted management scopes acted within their scopes alone.
    let mut after: Option<store::PageKey> = None;
    loop {
        let page = store
            .list_apps(&store::AppQuery {
                filter: None,
                after: after.clone(),
                limit: 200,
            })
            .await?;
        let full = page.len() >= 200;
        after = page.last().map(|a| store::PageKey {
            key: json!(a.created),
            id: a.id.clone(),
        });
        for app in page {
            let Some(client_id) = app.client_id.clone() else {
                continue;
            };
            if store.app_grants(&app.id).await?.is_empty() {
                continue;
            }
            let role = super_admin("CLIENT", &client_id, now);
            let event = crate::api::roles::privilege_event(
                (
                    "app.oauth2.client.privilege.grant",
                    "Grant privilege to an OAuth client",
                ),
                &Actor::system(),
                events::app_target(&app),
                &role,
                now,
            );
            store.insert_role_assignment(&role, &[], &event).await?;
        }
        if !full {
            break;
        }
    }
    for owner in owners {
        let Some(user) = store.user_by_id(&owner).await? else {
            continue;
        };
        let role = super_admin("USER", &user.id, now);
        let event = crate::api::roles::privilege_event(
            ("user.account.privilege.grant", "Grant user privilege"),
            &Actor::system(),
            events::user_target(&user),
            &role,
            now,
        );
        store.insert_role_assignment(&role, &[], &event).await?;
    }
    Ok(())
}

fn super_admin(principal_type: &str, principal_id: &str, now: i64) -> store::RoleAssignmentRecord {
    store::RoleAssignmentRecord {
        id: new_id(Kind::RoleAssignment),
        principal_type: principal_type.into(),
        principal_id: principal_id.into(),
        role_type: "SUPER_ADMIN".into(),
        status: "ACTIVE".into(),
        created: now,
        last_updated: now,
    }
}

/// Writes the admin token file (0600).
pub fn write_admin_token(data_dir: &Path, token: &str) -> anyhow::Result<std::path::PathBuf> {
    crate::data_dir::prepare(data_dir, None)?;
    let path = data_dir.join("admin-token");
    crate::tls::write_private(&path, format!("{token}\n").as_bytes())?;
    Ok(path)
}

/// Writes the org's default user type unless it exists (made by the super admin).
async fn ensure_default_user_type(
    store: &dyn Store,
    org: &OrgRecord,
    admin_login: &str,
    now: i64,
) -> anyhow::Result<()> {
    let admin = store
        .user_by_login(&admin_login.to_lowercase())
        .await?
        .map(|u| u.id)
        .unwrap_or_default();
    let user_type = crate::api::user_types::default_type(
        &crate::state::default_user_type_id(&org.id),
        &admin,
        now,
    );
    store.ensure_default_user_type(&user_type).await?;
    Ok(())
}
