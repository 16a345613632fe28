-- Scopes granted to an app (ApplicationGrants): what the app may ask the org authorization
-- server for with its own credentials (the okta.* scopes of the management API).
CREATE TABLE app_grants (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    scope_id TEXT NOT NULL,
    issuer TEXT NOT NULL,
    created BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    last_updated BIGINT NOT NULL
);
CREATE UNIQUE INDEX app_grants_scope_unique ON app_grants (app_id, scope_id);
