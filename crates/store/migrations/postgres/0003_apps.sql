-- The Apps API: app instances, their key credentials and logos, and their assignments to
-- users and groups. A user's assignment through a group is not stored: it is read from
-- group_members when asked for, so membership changes apply at once.

CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL,
    sign_on_mode TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL,
    definition JSONB NOT NULL,
    signing_kid TEXT,
    client_id TEXT,
    client_secret_sealed TEXT,
    shared_password_sealed TEXT,
    access_policy_id TEXT,
    logo_id TEXT
);
-- Pages order by creation time, then id in byte order ("C").
CREATE INDEX apps_created_idx ON apps (created, (id COLLATE "C"));
CREATE INDEX apps_name_idx ON apps (name, (id COLLATE "C"));
CREATE INDEX apps_signing_kid_idx ON apps (signing_kid);
-- OAuth client ids are unique in the org.
CREATE UNIQUE INDEX apps_client_id_unique ON apps (client_id) WHERE client_id IS NOT NULL;

CREATE TABLE app_keys (
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    kid TEXT NOT NULL,
    created BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
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
    bytes BYTEA NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX app_logos_app_idx ON app_logos (app_id);

-- `direct`: assigned to the user (scope USER); otherwise the row only keeps the username,
-- password and profile of an assignment the user has through a group.
CREATE TABLE app_users (
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    direct BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL,
    status_changed BIGINT NOT NULL,
    password_changed BIGINT,
    user_name TEXT,
    password_sealed TEXT,
    profile JSONB NOT NULL,
    PRIMARY KEY (app_id, user_id)
);
CREATE INDEX app_users_page_idx ON app_users (app_id, (user_id COLLATE "C"));
CREATE INDEX app_users_user_idx ON app_users (user_id, app_id);

CREATE TABLE app_groups (
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    priority BIGINT NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL,
    profile JSONB NOT NULL,
    PRIMARY KEY (app_id, group_id)
);
CREATE INDEX app_groups_page_idx ON app_groups (app_id, (group_id COLLATE "C"));
CREATE INDEX app_groups_group_idx ON app_groups (group_id, app_id);
