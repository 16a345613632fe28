-- The Apps API: app instances, their key credentials and logos, and their assignments to
-- users and groups. A user's assignment through a group is not stored: it is read from
-- group_members when asked for, so membership changes apply at once.

CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL,
    sign_on_mode TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    definition TEXT NOT NULL,
    signing_kid TEXT,
    client_id TEXT,
    client_secret_sealed TEXT,
    shared_password_sealed TEXT,
    access_policy_id TEXT,
    logo_id TEXT
);
CREATE INDEX apps_created_idx ON apps (created, id);
CREATE INDEX apps_name_idx ON apps (name, id);
CREATE INDEX apps_signing_kid_idx ON apps (signing_kid);
-- OAuth client ids are unique in the org.
CREATE UNIQUE INDEX apps_client_id_unique ON apps (client_id) WHERE client_id IS NOT NULL;

CREATE TABLE app_keys (
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    kid TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    e TEXT NOT NULL,
    n TEXT NOT NULL,
    x5c TEXT NOT NULL,
    x5t_s256 TEXT NOT NULL,
    private_key_sealed TEXT NOT NULL,
    CONSTRAINT app_keys_kid_unique PRIMARY KEY (app_id, kid)
);

CREATE TABLE app_logos (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX app_logos_app_idx ON app_logos (app_id);

-- `direct`: assigned to the user (scope USER); otherwise the row only keeps the username,
-- password and profile of an assignment the user has through a group.
CREATE TABLE app_users (
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    direct INTEGER NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    status_changed INTEGER NOT NULL,
    password_changed INTEGER,
    user_name TEXT,
    password_sealed TEXT,
    profile TEXT NOT NULL,
    PRIMARY KEY (app_id, user_id)
);
CREATE INDEX app_users_user_idx ON app_users (user_id, app_id);

CREATE TABLE app_groups (
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    priority INTEGER NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    profile TEXT NOT NULL,
    PRIMARY KEY (app_id, group_id)
);
CREATE INDEX app_groups_group_idx ON app_groups (group_id, app_id);
