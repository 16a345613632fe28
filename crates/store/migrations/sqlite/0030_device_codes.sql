-- The OAuth 2.0 device authorization grant: a device asks for a device code and a user code;
-- the user approves the user code on the /activate page; the device polls the token endpoint
-- with the device code (kept only as SHA-256) until it gets tokens, once.
CREATE TABLE oauth_device_codes (
    device_hash TEXT PRIMARY KEY,
    user_code TEXT NOT NULL UNIQUE,
    server_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    status TEXT NOT NULL,
    user_id TEXT,
    body TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_poll INTEGER NOT NULL
);
CREATE INDEX oauth_device_codes_expires_idx ON oauth_device_codes (expires_at);
