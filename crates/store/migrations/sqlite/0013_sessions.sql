-- Okta sessions (sessions.md, "Session object") and the one-time session tokens that start
-- them (authn.md, "Session token"). Tokens and `sid` cookie values are stored only as
-- SHA-256. A token row is deleted when redeemed, so it is redeemed at most once.
-- `idle_expires_at` (the session's `expiresAt`) never passes `max_expires_at` (0: no
-- maximum); `idle_ms` is the idle lifetime a refresh adds to "now".
CREATE TABLE session_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amr TEXT NOT NULL,
    mfa_active INTEGER NOT NULL,
    password_verified INTEGER,
    factor_verified INTEGER,
    created INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX session_tokens_expiry_idx ON session_tokens (expires_at);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    login TEXT NOT NULL,
    status TEXT NOT NULL,
    amr TEXT NOT NULL,
    idp_id TEXT NOT NULL,
    idp_type TEXT NOT NULL,
    mfa_active INTEGER NOT NULL,
    created INTEGER NOT NULL,
    last_password_verification INTEGER,
    last_factor_verification INTEGER,
    idle_ms INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL,
    max_expires_at INTEGER NOT NULL,
    persistent_cookie INTEGER NOT NULL,
    cookie_hash TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE UNIQUE INDEX sessions_cookie_hash_unique ON sessions (cookie_hash);
CREATE INDEX sessions_user_idx ON sessions (user_id, idle_expires_at);
