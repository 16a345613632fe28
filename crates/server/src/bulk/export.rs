//! `latchkey export users`: every user, in keyset pages, to the format `import users` reads.
//!
//! A row holds `id` and `status` (an import ignores the id and keeps the status), the profile,
//! `groups` (names of the OKTA_GROUPs the user is in) and, for users of another provider, the
//! provider. With `with_password_hashes`, a password kept in Latchkey is written as a hash the
//! import takes back: Okta's Hashed Password object for an imported hash not yet replaced,
//! `ARGON2ID` with the PHC string otherwise. Recovery answers are never exported (only their
//! hash exists). CSV needs its columns first, so a CSV export reads the users twice.

use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use super::format::{csv_cells, csv_header, Format, CREDENTIAL_COLUMNS};
use super::progress::{Counts, Progress};
use crate::state::AppState;
use store::{UserQuery, UserRecord};

const PAGE: u32 = 1000;

/// How to export.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    pub format: Format,
    pub with_password_hashes: bool,
}

/// Writes every user to `out`; answers how many.
pub async fn export_users(
    app: &AppState,
    out: &mut (dyn Write + Send),
    options: ExportOptions,
    progress: &Progress,
) -> anyhow::Result<u64> {
    let groups = super::import::GroupIndex::load(app).await?;
    let counts = Counts::default();
    match options.format {
        Format::Jsonl => {
            each_page(app, |page, members| {
                for user in page {
                    let row = export_row(user, members, &groups, options.with_password_hashes);
                    serde_json::to_writer(&mut *out, &row)?;
                    out.write_all(b"\n")?;
                    Counts::add(&counts.rows, 1);
                }
                progress.update(&counts);
                Ok(())
            })
            .await?;
        }
        Format::Csv => {
            let mut keys = BTreeSet::new();
            let mut credential_paths = BTreeSet::new();
            each_page(app, |page, members| {
                for user in page {
                    keys.extend(user.profile.keys().cloned());
                    let row = export_row(user, members, &groups, options.with_password_hashes);
                    for path in CREDENTIAL_COLUMNS {
                        let pointer = format!("/{}", path.replace('.', "/"));
                        if row.pointer(&pointer).is_some() {
                            credential_paths.insert(path);
                        }
                    }
                }
                Ok(())
            })
            .await?;
            // Okta's base attributes first, in their usual order, then the rest by name.
            let base = ["login", "email", "firstName", "lastName"];
            let mut ordered: Vec<String> = base
                .iter()
                .filter(|k| keys.contains(**k))
                .map(|k| (*k).to_owned())
                .collect();
            ordered.extend(keys.into_iter().filter(|k| !base.contains(&k.as_str())));
            let credential_paths: Vec<String> = CREDENTIAL_COLUMNS
                .iter()
                .filter(|p| credential_paths.contains(*p))
                .map(|p| (*p).to_owned())
                .collect();
            let mut writer = csv::Writer::from_writer(&mut *out);
            writer.write_record(csv_header(&ordered, &credential_paths))?;
            each_page(app, |page, members| {
                for user in page {
                    let row = export_row(user, members, &groups, options.with_password_hashes);
                    writer.write_record(csv_cells(&row, &ordered, &credential_paths))?;
                    Counts::add(&counts.rows, 1);
                }
                progress.update(&counts);
                Ok(())
            })
            .await?;
            writer.flush()?;
        }
    }
    out.flush()?;
    progress.finish(&counts);
    Ok(Counts::get(&counts.rows))
}

/// Calls `f` with each page of users (in creation order) and their memberships.
async fn each_page(
    app: &AppState,
    mut f: impl FnMut(&[UserRecord], &HashMap<String, Vec<String>>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut after = None;
    loop {
        let mut page = app
            .store
            .list_users(&UserQuery {
                filter: store::UserFilter::All,
                sort: None,
                after: after.clone(),
                limit: PAGE,
                text_attributes: Vec::new(),
                member_of: None,
            })
            .await?;
        let more = page.len() > PAGE as usize;
        page.truncate(PAGE as usize);
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some(store::page_key_for(last, None));
        let ids: Vec<String> = page.iter().map(|u| u.id.clone()).collect();
        let mut members: HashMap<String, Vec<String>> = HashMap::new();
        for row in app.store.memberships_of(&ids).await? {
            members.entry(row.user_id).or_default().push(row.group_id);
        }
        f(&page, &members)?;
        if !more {
            return Ok(());
        }
    }
}

/// One user as an export row.
fn export_row(
    user: &UserRecord,
    members: &HashMap<String, Vec<String>>,
    groups: &super::import::GroupIndex,
    with_hashes: bool,
) -> Value {
    let mut names: Vec<&str> = members
        .get(&user.id)
        .into_iter()
        .flatten()
        .filter_map(|id| groups.okta_group_name(id))
        .collect();
    names.sort_unstable();
    let mut row = json!({
        "id": user.id,
        "status": user.status,
        "profile": user.profile,
        "groups": names,
    });
    let mut credentials = Map::new();
    if matches!(user.provider_type.as_str(), "FEDERATION" | "SOCIAL") {
        credentials.insert(
            "provider".into(),
            json!({"type": user.provider_type, "name": user.provider_name}),
        );
    }
    if user.secrets.password_hook && user.password_hash.is_none() {
        credentials.insert("password".into(), json!({"hook": {"type": "default"}}));
    }
    if with_hashes {
        if let Some(hash) = user.password_hash.as_deref().and_then(hash_object) {
            credentials.insert("password".into(), json!({ "hash": hash }));
        }
    }
    if let (false, Some(object)) = (credentials.is_empty(), row.as_object_mut()) {
        object.insert("credentials".into(), Value::Object(credentials));
    }
    row
}

/// A stored password as the hash object an import reads.
fn hash_object(stored: &str) -> Option<Value> {
    use crypto::password::{ImportedHash, StoredPassword};
    match StoredPassword::parse_storage_string(stored).ok()? {
        StoredPassword::Argon2(phc) => Some(json!({"algorithm": "ARGON2ID", "value": phc})),
        StoredPassword::Imported(_) => {
            let input = ImportedHash::storage_input(stored).ok()?;
            let mut hash = Map::new();
            hash.insert("algorithm".into(), json!(input.algorithm));
            let mut put = |key: &str, value: Option<Value>| {
                if let Some(value) = value {
                    hash.insert(key.into(), value);
                }
            };
            put("value", input.value.map(Value::from));
            put("salt", input.salt.map(Value::from));
            put("saltOrder", input.salt_order.map(Value::from));
            put("workFactor", input.work_factor.map(Value::from));
            put("iterationCount", input.iteration_count.map(Value::from));
            put("keySize", input.key_size.map(Value::from));
            put("digestAlgorithm", input.digest_algorithm.map(Value::from));
            Some(Value::Object(hash))
        }
    }
}
