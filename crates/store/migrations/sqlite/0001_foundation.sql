-- The org, users, groups with membership, API tokens and the System Log.
-- Timestamps are epoch milliseconds (UTC); profiles are JSON objects.

CREATE TABLE org (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created INTEGER NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    transitioning_to_status TEXT,
    created INTEGER NOT NULL,
    activated INTEGER,
    status_changed INTEGER,
    last_login INTEGER,
    last_updated INTEGER NOT NULL,
    password_changed INTEGER,
    type_id TEXT NOT NULL,
    login_lower TEXT NOT NULL,
    profile TEXT NOT NULL,
    password_hash TEXT,
    recovery_question TEXT,
    recovery_answer_hash TEXT,
    provider_type TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    secrets TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT users_login_unique UNIQUE (login_lower)
);
CREATE INDEX users_created_idx ON users (created, id);
CREATE INDEX users_status_idx ON users (status, created, id);
CREATE INDEX users_last_updated_idx ON users (last_updated, id);
CREATE INDEX users_first_name_idx ON users (lower(profile ->> 'firstName'));
CREATE INDEX users_last_name_idx ON users (lower(profile ->> 'lastName'));
CREATE INDEX users_email_idx ON users (lower(profile ->> 'email'));

CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    last_membership_updated INTEGER NOT NULL,
    profile TEXT NOT NULL,
    name_lower TEXT NOT NULL
);
CREATE INDEX groups_name_idx ON groups (name_lower, id);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id, group_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    client_name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    network TEXT NOT NULL,
    CONSTRAINT api_tokens_hash_unique UNIQUE (token_hash)
);

-- The System Log. `attrs` holds the filterable fields under their Okta paths ("eventType",
-- "actor.id", "target.id" as an array, ...); `keywords` the lower-cased words of every string
-- in the event, space-separated with a space at each end, for `q`. With one writer, `seq`
-- order is commit order, which polling relies on.
CREATE TABLE log_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    published INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    attrs TEXT NOT NULL,
    keywords TEXT NOT NULL
);
CREATE INDEX log_events_published_idx ON log_events (published, seq);
CREATE INDEX log_events_type_idx ON log_events (event_type, seq);
