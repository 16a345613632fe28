//! What the database said, in terms the server maps to Okta errors.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A unique constraint refused the write; `field` is the API field it protects
    /// (mapped by constraint name), e.g. "login".
    #[error("duplicate value for {field}")]
    Duplicate { field: &'static str },
    /// The object changed since it was read (optimistic concurrency).
    #[error("concurrent update")]
    Conflict,
    /// An `after` cursor that does not fit the query it was sent with.
    #[error("invalid cursor")]
    InvalidCursor,
    /// The object to update does not exist.
    #[error("not found")]
    NotFound,
    /// A stored value could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The migrations in the database are newer than this binary knows.
    #[error("database schema {found} is newer than this version supports")]
    SchemaTooNew { found: i64 },
    /// The database refused a value: too long for an index, or a character it cannot hold
    /// (U+0000). Input checks should have stopped it before the store.
    #[error("value refused by the database: {0}")]
    ValueRefused(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// An error of the direct SQLite read path (`sqlite::direct`).
    #[error("database error: {0}")]
    Direct(#[from] rusqlite::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            // program_limit_exceeded (an index row too large), untranslatable_character and
            // character_not_in_repertoire (U+0000 in text or jsonb).
            if matches!(db.code().as_deref(), Some("54000" | "22P05" | "22021")) {
                return Self::ValueRefused(db.message().to_owned());
            }
        }
        Self::Database(err)
    }
}

impl StoreError {
    /// Maps a unique violation to the API field by constraint name; other errors pass through.
    pub(crate) fn from_write(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                let text = db
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| db.message().to_owned());
                if text.contains("unique_values") {
                    return Self::Duplicate { field: "unique" };
                }
                if text.contains("login") {
                    return Self::Duplicate { field: "login" };
                }
                if text.contains("token_hash") || text.contains("api_tokens_hash") {
                    return Self::Duplicate { field: "token" };
                }
                if text.contains("factors_user_type") || text.contains("factors.user_id") {
                    return Self::Duplicate {
                        field: "factorType",
                    };
                }
                if text.contains("sessions_cookie_hash") || text.contains("sessions.cookie_hash") {
                    return Self::Duplicate { field: "sid" };
                }
                if text.contains("trusted_origins_origin")
                    || text.contains("trusted_origins.origin")
                {
                    return Self::Duplicate { field: "origin" };
                }
                if text.contains("trusted_origins_name") || text.contains("trusted_origins.name") {
                    return Self::Duplicate { field: "name" };
                }
                if text.contains("app_grants") {
                    return Self::Duplicate { field: "scopeId" };
                }
                if text.contains("auth_servers_name") || text.contains("auth_servers.name_lower") {
                    return Self::Duplicate { field: "name" };
                }
                if text.contains("user_types") {
                    return Self::Duplicate { field: "name" };
                }
                if text.contains("groups_name_unique") || text.contains("groups.name_lower") {
                    return Self::Duplicate { field: "name" };
                }
                if text.contains("apps_client_id_unique") || text.contains("apps.client_id") {
                    return Self::Duplicate { field: "client_id" };
                }
                if text.contains("app_keys") {
                    return Self::Duplicate { field: "kid" };
                }
                if text.contains("group_members") {
                    return Self::Duplicate {
                        field: "membership",
                    };
                }
                return Self::Duplicate { field: "id" };
            }
            // A row the write refers to (a member's user or group, an owner) is gone.
            if db.is_foreign_key_violation() {
                return Self::NotFound;
            }
        }
        Self::from(err)
    }
}
