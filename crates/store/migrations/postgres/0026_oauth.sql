-- Authorization servers (the OpenID Connect & OAuth 2.0 API). The org authorization server is
-- not a row: its signing keys are kept under the server id 'org'.
CREATE TABLE auth_servers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    status TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL,
    -- description, audiences, issuerMode, rotationMode, scopes, claims, policies
    body JSONB NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX auth_servers_name_unique ON auth_servers (name_lower);

-- Signing keys: ACTIVE signs, NEXT is published ahead of a rotation, EXPIRED is published
-- until the tokens it signed have expired. The private key is sealed with the org key.
CREATE TABLE auth_server_keys (
    server_id TEXT NOT NULL,
    kid TEXT NOT NULL,
    status TEXT NOT NULL,
    created BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    e TEXT NOT NULL,
    n TEXT NOT NULL,
    private_key_sealed TEXT NOT NULL,
    PRIMARY KEY (server_id, kid)
);
CREATE UNIQUE INDEX auth_server_keys_one_active ON auth_server_keys (server_id)
    WHERE status = 'ACTIVE';

-- Authorization codes, known by their SHA-256. A code is used once: its first redemption
-- stamps used_at, and a later one finds it stamped (and revokes what the first issued).
CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    server_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- redirect_uri, scopes, nonce, PKCE challenge, auth_time, amr, session id
    body JSONB NOT NULL,
    created BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX oauth_codes_expiry_idx ON oauth_codes (expires_at);

-- Issued tokens: every refresh token (known by its SHA-256) and every access token issued to
-- a user, grouped by the grant they came from, so a grant is revoked at once. A revoked
-- access token of a client without a user gets a row here when it is revoked.
CREATE TABLE oauth_tokens (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    token_hash TEXT,
    grant_id TEXT NOT NULL,
    server_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    scopes JSONB NOT NULL,
    -- what minting again from a refresh token needs: auth_time, amr, idp
    body JSONB NOT NULL,
    created BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    rotated_at BIGINT,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX oauth_tokens_hash_unique ON oauth_tokens (token_hash);
CREATE INDEX oauth_tokens_grant_idx ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_user_idx ON oauth_tokens (user_id, client_id);
CREATE INDEX oauth_tokens_expiry_idx ON oauth_tokens (expires_at);

-- The jti of each client assertion seen, until it expires: a replay is refused.
CREATE TABLE oauth_assertion_jtis (
    jti_key TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oauth_assertion_jtis_expiry_idx ON oauth_assertion_jtis (expires_at);
