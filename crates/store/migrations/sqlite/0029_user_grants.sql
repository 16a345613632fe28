-- Scopes a user consented to for a client on one authorization server (OAuth2ScopeConsentGrant):
-- written when the user allows access on the consent page, read by /authorize so consent is
-- asked once, listed and revoked through the Users API.
CREATE TABLE user_grants (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    server_id TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    scope_name TEXT NOT NULL,
    source TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX user_grants_unique ON user_grants (user_id, client_id, server_id, scope_name);
CREATE INDEX user_grants_client_idx ON user_grants (client_id);
