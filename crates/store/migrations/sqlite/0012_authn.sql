-- Authn API transactions (authn.md, "Transaction object"). Tokens are stored only as
-- SHA-256; `data` holds the transaction's non-secret context (progress, chosen factor,
-- recovery type, relay state); `version` orders concurrent steps of one transaction.
CREATE TABLE authn_transactions (
    id TEXT PRIMARY KEY,
    state_token_hash TEXT UNIQUE,
    recovery_token_hash TEXT UNIQUE,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    recovery_expires_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX authn_transactions_expiry_idx ON authn_transactions (expires_at);
-- Sign-in with an activation token finds its user by the token's digest.
CREATE INDEX users_activation_token_idx ON users (json_extract(secrets, '$.activationTokenHash'));
