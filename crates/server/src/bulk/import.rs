//! `latchkey import users`: users from a CSV or JSON Lines file, written through the store in
//! batches.
//!
//! - **Same rules as the API.** Every row becomes a create-user request and goes through
//!   [`build_new_user`], the code behind `POST /api/v1/users`: profile validation, provider,
//!   password policy (plain passwords are hashed with argon2id on the hashing workers),
//!   imported hashes, recovery question, activation. Groups are checked as `groupIds` are.
//! - **Streaming.** A reader thread parses rows into a bounded channel; rows are built
//!   `concurrency` at a time and written `batch_size` per transaction, so memory does not grow
//!   with the file.
//! - **Resumable.** A batch commits whole or not at all; a row whose login exists is skipped,
//!   so running the same file again after an interruption finishes the job.
//! - **Extensions of the file format** (not of the API): `groups` names groups, `status`
//!   chooses the status (STAGED, PROVISIONED, ACTIVE, PASSWORD_EXPIRED, SUSPENDED,
//!   DEPROVISIONED), and a `credentials.password.hash` with `algorithm` `ARGON2ID` carries the
//!   PHC string of a password set in Latchkey (what `export --with-password-hashes` writes).

use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

use super::format::{CsvColumns, Format};
use super::progress::{Counts, Progress};
use crate::api::users::{build_new_user, check_member_group, new_user_events, NewUserOptions};
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::user::UserRequest;
use crate::wire::ApiError;
use model::users::UserStatus;
use store::{GroupQuery, GroupRecord, NewUser};

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub format: Format,
    /// Rows per transaction.
    pub batch_size: usize,
    /// Rows built at once (bounds the password hashes in flight).
    pub concurrency: usize,
    /// Activate users whose row has no `status` (the API's `activate`, default true).
    pub activate: bool,
    /// `nextLogin=changePassword` for users given a password.
    pub next_login: Option<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            format: Format::Jsonl,
            batch_size: 1000,
            concurrency: 16,
            activate: true,
            next_login: None,
        }
    }
}

/// A row that was not imported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowFailure {
    /// The row's line in the file (1-based).
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    pub error_summary: String,
    pub error_causes: Vec<String>,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Summary {
    pub rows: u64,
    pub created: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Failed rows by reason (the error summary), with counts.
    pub reasons: BTreeMap<String, u64>,
    /// The first failures, in file order.
    pub first_failures: Vec<RowFailure>,
    pub seconds: f64,
}

const KEPT_FAILURES: usize = 20;

/// One parsed row, before it is built into a user.
struct RawRow {
    line: u64,
    parsed: Result<Value, String>,
}

/// Failed rows: counted by reason, the first kept, all written to the errors file if any.
struct Failures {
    reasons: BTreeMap<String, u64>,
    first: Vec<RowFailure>,
    out: Option<Box<dyn Write + Send>>,
}

impl Failures {
    fn record(&mut self, failure: RowFailure) -> anyhow::Result<()> {
        *self
            .reasons
            .entry(failure.error_summary.clone())
            .or_default() += 1;
        if let Some(out) = self.out.as_mut() {
            serde_json::to_writer(&mut *out, &failure)?;
            out.write_all(b"\n")?;
        }
        if self.first.len() < KEPT_FAILURES {
            self.first.push(failure);
        }
        Ok(())
    }
}

/// Imports the users `input` holds. `errors`, if given, receives every failed row as a JSON
/// line. A storage failure stops the import (what was committed stays); row errors do not.
pub async fn import_users(
    app: &AppState,
    input: Box<dyn BufRead + Send>,
    options: &ImportOptions,
    progress: &Progress,
    errors: Option<Box<dyn Write + Send>>,
) -> anyhow::Result<Summary> {
    let started = std::time::Instant::now();
    let groups = Arc::new(GroupIndex::load(app).await?);
    // Every row is checked against its type's schema, read once for the whole import (a
    // schema changed while the import runs applies to the next one).
    let schemas = crate::api::schemas::user_schemas(app)
        .await
        .map_err(|e| anyhow::anyhow!("reading user schemas: {}", e.parts().2))?;
    let counts = Arc::new(Counts::default());
    let failures = Arc::new(Mutex::new(Failures {
        reasons: BTreeMap::new(),
        first: Vec::new(),
        out: errors,
    }));
    let batch_size = options.batch_size.max(1);

    let (row_tx, mut row_rx) = mpsc::channel::<RawRow>(batch_size * 2);
    let reader = {
        let counts = Arc::clone(&counts);
        let format = options.format;
        std::thread::spawn(move || read_rows(input, format, &row_tx, &counts))
    };

    let (batch_tx, batch_rx) = mpsc::channel::<Vec<NewUser>>(2);
    let writer = tokio::spawn(write_batches(app.clone(), batch_rx, Arc::clone(&counts)));

    let mut pending = Vec::with_capacity(batch_size);
    loop {
        let open = match row_rx.recv().await {
            Some(row) => {
                pending.push(row);
                true
            }
            None => false,
        };
        if pending.len() >= batch_size || (!open && !pending.is_empty()) {
            let rows = std::mem::take(&mut pending);
            let built: Vec<Result<NewUser, RowFailure>> = futures::stream::iter(rows)
                .map(|row| build_row(app, &groups, &schemas, options, row))
                .buffered(options.concurrency.max(1))
                .collect()
                .await;
            let mut batch = Vec::with_capacity(built.len());
            for result in built {
                Counts::add(&counts.rows, 1);
                match result {
                    Ok(user) => batch.push(user),
                    Err(failure) => {
                        Counts::add(&counts.failed, 1);
                        failures
                            .lock()
                            .map_err(|_| anyhow::anyhow!("failure log poisoned"))?
                            .record(failure)?;
                    }
                }
            }
            if !batch.is_empty() && batch_tx.send(batch).await.is_err() {
                break; // the writer stopped on an error, reported below
            }
            progress.update(&counts);
        }
        if !open {
            break;
        }
    }
    drop(batch_tx);
    drop(row_rx);
    writer.await??;
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader thread panicked"))??;
    progress.finish(&counts);
    if Counts::get(&counts.created) > 0 {
        app.store.import_finished().await?;
    }

    let mut failures = failures
        .lock()
        .map_err(|_| anyhow::anyhow!("failure log poisoned"))?;
    if let Some(out) = failures.out.as_mut() {
        out.flush()?;
    }
    Ok(Summary {
        rows: Counts::get(&counts.rows),
        created: Counts::get(&counts.created),
        skipped: Counts::get(&counts.skipped),
        failed: Counts::get(&counts.failed),
        reasons: std::mem::take(&mut failures.reasons),
        first_failures: std::mem::take(&mut failures.first),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The reader thread: parses records and sends them on; stops early if the import stopped.
fn read_rows(
    input: Box<dyn BufRead + Send>,
    format: Format,
    rows: &mpsc::Sender<RawRow>,
    counts: &Counts,
) -> anyhow::Result<()> {
    match format {
        Format::Jsonl => {
            let mut input = input;
            let mut line = Vec::new();
            let mut number = 0u64;
            loop {
                line.clear();
                // Bytes, not a String: a line that is not UTF-8 fails its row, not the file.
                let read = input.read_until(b'\n', &mut line)?;
                if read == 0 {
                    return Ok(());
                }
                number += 1;
                Counts::add(&counts.bytes, read as u64);
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let parsed = serde_json::from_slice::<Value>(&line)
                    .map_err(|e| format!("invalid JSON: {e}"))
                    .and_then(|v| {
                        if v.is_object() {
                            Ok(v)
                        } else {
                            Err("not a JSON object".to_owned())
                        }
                    });
                if rows
                    .blocking_send(RawRow {
                        line: number,
                        parsed,
                    })
                    .is_err()
                {
                    return Ok(());
                }
            }
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
            let columns = CsvColumns::parse(reader.headers()?)
                .map_err(|e| anyhow::anyhow!("CSV header: {e}"))?;
            let mut record = csv::StringRecord::new();
            loop {
                let more = match reader.read_record(&mut record) {
                    Ok(more) => more,
                    Err(e) => {
                        // A malformed record (e.g. bad UTF-8) fails its row, not the file.
                        let line = e.position().map_or(0, csv::Position::line);
                        let row = RawRow {
                            line,
                            parsed: Err(format!("unreadable CSV record: {e}")),
                        };
                        if rows.blocking_send(row).is_err() {
                            return Ok(());
                        }
                        continue;
                    }
                };
                if !more {
                    return Ok(());
                }
                counts.bytes.store(
                    reader.position().byte(),
                    std::sync::atomic::Ordering::Relaxed,
                );
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let line = record.position().map_or(0, csv::Position::line);
                let row = RawRow {
                    line,
                    parsed: columns.row(&record),
                };
                if rows.blocking_send(row).is_err() {
                    return Ok(());
                }
            }
        }
    }
}

/// The writer task: one transaction per batch, then group rules for the users it created.
async fn write_batches(
    app: AppState,
    mut batches: mpsc::Receiver<Vec<NewUser>>,
    counts: Arc<Counts>,
) -> anyhow::Result<()> {
    while let Some(batch) = batches.recv().await {
        let inserted = match app.store.import_users(&batch).await {
            // A unique property's value repeats somewhere in the batch: one user at a time,
            // each refused one skipped.
            Err(store::StoreError::Duplicate { field: "unique" }) => {
                let mut done = Vec::with_capacity(batch.len());
                for one in batch.chunks(1) {
                    done.push(match app.store.import_users(one).await {
                        Ok(v) => v.first().copied().unwrap_or(false),
                        Err(store::StoreError::Duplicate { field: "unique" }) => false,
                        Err(e) => return Err(e.into()),
                    });
                }
                done
            }
            other => other?,
        };
        let created: Vec<&NewUser> = batch
            .iter()
            .zip(&inserted)
            .filter_map(|(user, done)| done.then_some(user))
            .collect();
        Counts::add(&counts.created, created.len() as u64);
        Counts::add(&counts.skipped, (batch.len() - created.len()) as u64);
        if !created.is_empty() && !app.store.active_group_rules().await?.is_empty() {
            for new in created {
                crate::api::group_rules::apply_rules_to_user(&app, &new.user.id, None)
                    .await
                    .map_err(|e| anyhow::anyhow!("applying group rules: {}", e.parts().2))?;
            }
        }
    }
    Ok(())
}

/// Turns one row into a user ready to insert, or the reason it cannot be.
async fn build_row(
    app: &AppState,
    groups: &GroupIndex,
    schemas: &HashMap<String, model::schemas::Stored>,
    options: &ImportOptions,
    row: RawRow,
) -> Result<NewUser, RowFailure> {
    let line = row.line;
    let fail = |login: Option<String>, summary: String, causes: Vec<String>| RowFailure {
        line,
        login,
        error_summary: summary,
        error_causes: causes,
    };
    let mut value = row.parsed.map_err(|e| fail(None, e, Vec::new()))?;
    let login = value
        .pointer("/profile/login")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(object) = value.as_object_mut() else {
        return Err(fail(login, "not a JSON object".into(), Vec::new()));
    };
    let names = object.remove("groups");
    let status = object.remove("status");
    object.remove("id");
    let argon2 = take_argon2_hash(object).map_err(|e| fail(login.clone(), e, Vec::new()))?;
    let mut request: UserRequest = serde_json::from_value(value)
        .map_err(|e| fail(login.clone(), format!("invalid row: {e}"), Vec::new()))?;

    let from_api = |e: ApiError| {
        let causes = e.causes();
        fail(login.clone(), e.parts().2, causes)
    };
    let group_ids = groups
        .resolve(
            request.group_ids.as_deref().unwrap_or_default(),
            names.as_ref(),
        )
        .map_err(from_api)?;
    request.group_ids = Some(group_ids.clone());

    let status = match status {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            return Err(fail(
                login,
                format!("status: {other} is not a status"),
                Vec::new(),
            ))
        }
    };
    let (activate, then) = match status.as_deref() {
        None => (options.activate, None),
        Some("STAGED") => (false, None),
        Some("PROVISIONED" | "ACTIVE") => (true, None),
        Some("PASSWORD_EXPIRED") => (true, Some(UserStatus::PasswordExpired)),
        Some("SUSPENDED") => (true, Some(UserStatus::Suspended)),
        Some("DEPROVISIONED") => (true, Some(UserStatus::Deprovisioned)),
        Some(other) => {
            return Err(fail(
                login,
                format!("status: {other} cannot be imported (STAGED, PROVISIONED, ACTIVE, PASSWORD_EXPIRED, SUSPENDED or DEPROVISIONED)"),
                Vec::new(),
            ))
        }
    };
    let next_login = match then {
        Some(UserStatus::PasswordExpired) => Some("changePassword"),
        _ => options.next_login.as_deref(),
    };
    let new_options = NewUserOptions {
        activate,
        next_login,
        stored_password: argon2.as_deref(),
        schemas: Some(schemas),
    };
    let now = app.clock.now().millis();
    let mut user = build_new_user(app, &request, &new_options, now)
        .await
        .map_err(from_api)?;
    let actor = Actor::system();
    let mut records = new_user_events(&user, &new_options, &actor, now);
    match then {
        Some(UserStatus::Suspended) => {
            user.status = UserStatus::Suspended.as_str().into();
            records.push(events::event(
                "user.lifecycle.suspend",
                "Suspend Okta user",
                &actor,
                vec![events::user_target(&user)],
                now,
            ));
        }
        Some(UserStatus::Deprovisioned) => {
            user.status = UserStatus::Deprovisioned.as_str().into();
            records.push(events::event(
                "user.lifecycle.deactivate",
                "Deactivate Okta user",
                &actor,
                vec![events::user_target(&user)],
                now,
            ));
        }
        _ => {}
    }
    if then == Some(UserStatus::PasswordExpired) && user.status != "PASSWORD_EXPIRED" {
        return Err(fail(
            login,
            "status: PASSWORD_EXPIRED needs a password".into(),
            Vec::new(),
        ));
    }
    let mut all_groups = group_ids;
    all_groups.extend(groups.everyone.iter().cloned());
    Ok(NewUser {
        user,
        group_ids: all_groups,
        events: records,
    })
}

/// Takes an `ARGON2ID` hash out of the row's credentials and checks its PHC string.
fn take_argon2_hash(object: &mut serde_json::Map<String, Value>) -> Result<Option<String>, String> {
    let is_argon2 = object
        .get("credentials")
        .and_then(|c| c.pointer("/password/hash/algorithm"))
        .and_then(Value::as_str)
        .is_some_and(|a| a.eq_ignore_ascii_case("ARGON2ID"));
    if !is_argon2 {
        return Ok(None);
    }
    let Some(Value::Object(credentials)) = object.get_mut("credentials") else {
        return Ok(None);
    };
    let Some(Value::Object(password)) = credentials.get_mut("password") else {
        return Ok(None);
    };
    let hash = password.remove("hash").unwrap_or(Value::Null);
    if password.is_empty() {
        credentials.remove("password");
    }
    if credentials.is_empty() {
        object.remove("credentials");
    }
    let phc = hash
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match crypto::password::StoredPassword::parse_storage_string(phc) {
        Ok(crypto::password::StoredPassword::Argon2(phc)) if phc.starts_with("$argon2id$") => {
            Ok(Some(phc))
        }
        _ => Err("password.hash.value: an ARGON2ID hash is an argon2id PHC string".into()),
    }
}

/// The org's groups, by id and by name, loaded once per import.
pub(crate) struct GroupIndex {
    by_id: HashMap<String, GroupRecord>,
    /// Lower-cased names of groups that are not APP_GROUPs (their names are unique).
    by_name: HashMap<String, String>,
    pub(crate) everyone: Option<String>,
}

impl GroupIndex {
    pub(crate) async fn load(app: &AppState) -> anyhow::Result<Self> {
        let mut by_id = HashMap::new();
        let mut by_name = HashMap::new();
        let mut everyone = None;
        let mut after = None;
        loop {
            let page = app
                .store
                .list_groups(&GroupQuery {
                    filter: None,
                    sort: None,
                    after: after.clone(),
                    limit: 1000,
                })
                .await?;
            let more = page.len() > 1000;
            for group in page.into_iter().take(1000) {
                after = Some(store::group_page_key_for(&group, None));
                if group.group_type == "BUILT_IN" {
                    everyone = Some(group.id.clone());
                }
                if group.group_type != "APP_GROUP" {
                    if let Some(name) = group.profile.get("name").and_then(Value::as_str) {
                        by_name.insert(name.to_lowercase(), group.id.clone());
                    }
                }
                by_id.insert(group.id.clone(), group);
            }
            if !more {
                break;
            }
        }
        Ok(Self {
            by_id,
            by_name,
            everyone,
        })
    }

    /// The name of an OKTA_GROUP (the groups an export lists).
    pub(crate) fn okta_group_name(&self, id: &str) -> Option<&str> {
        self.by_id
            .get(id)
            .filter(|g| g.group_type == "OKTA_GROUP")
            .and_then(|g| g.profile.get("name"))
            .and_then(Value::as_str)
    }

    /// The groups a row joins (`groupIds` and `groups` names), checked as the API checks
    /// `groupIds`; Everyone is not among them.
    fn resolve(&self, ids: &[String], names: Option<&Value>) -> Result<Vec<String>, ApiError> {
        let mut out: Vec<String> = Vec::new();
        for id in ids {
            let group = self.by_id.get(id).ok_or_else(|| {
                ApiError::invalid("groupIds", format!("groupIds: Group {id} not found"))
            })?;
            check_member_group(group)?;
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        let names = match names {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => vec![other.clone()],
        };
        for name in names {
            let Some(name) = name.as_str() else {
                return Err(ApiError::invalid("groups", "groups: a group name is text"));
            };
            let id = self.by_name.get(&name.to_lowercase()).ok_or_else(|| {
                ApiError::invalid("groups", format!("groups: Group \"{name}\" not found"))
            })?;
            let group = self.by_id.get(id).ok_or_else(|| {
                ApiError::invalid("groups", format!("groups: Group \"{name}\" not found"))
            })?;
            check_member_group(group)?;
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        Ok(out)
    }
}

/// The summary as printed at the end of an import.
pub fn report(summary: &Summary) -> String {
    let mut text = format!(
        "imported {} rows in {:.1} s ({:.0} rows/s): {} created, {} skipped (login exists), {} failed\n",
        summary.rows,
        summary.seconds,
        summary.rows as f64 / summary.seconds.max(0.001),
        summary.created,
        summary.skipped,
        summary.failed,
    );
    if summary.failed > 0 {
        text.push_str("failures by reason:\n");
        let mut reasons: Vec<_> = summary.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        for (reason, count) in reasons.iter().take(20) {
            text.push_str(&format!("  {count:>8}  {reason}\n"));
        }
        text.push_str("first failed rows:\n");
        for failure in &summary.first_failures {
            let who = failure.login.as_deref().unwrap_or("-");
            let causes = if failure.error_causes.is_empty() {
                String::new()
            } else {
                format!(" ({})", failure.error_causes.join("; "))
            };
            text.push_str(&format!(
                "  line {}: {who}: {}{causes}\n",
                failure.line, failure.error_summary
            ));
        }
    }
    text
}
