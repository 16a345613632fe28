-- Trusted origins (the TrustedOrigin tag). `origin` is kept as the client wrote it;
-- `origin_key` is the form a browser's Origin header takes (scheme and host lower-cased,
-- default port dropped) and is what uniqueness, CORS and redirect checks compare.
-- `scopes` is the JSON array as rendered; the scope_* flags repeat it for filters and for
-- the CORS/redirect look-up, written in the same statement.
CREATE TABLE trusted_origins (
    -- Byte order ("C") so keyset pages by (created, id) match SQLite's.
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    origin TEXT NOT NULL,
    origin_key TEXT NOT NULL,
    scopes JSONB NOT NULL,
    scope_cors BOOLEAN NOT NULL,
    scope_redirect BOOLEAN NOT NULL,
    scope_iframe_embed BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    created BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    last_updated BIGINT NOT NULL,
    last_updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX trusted_origins_origin_unique ON trusted_origins (origin_key);
CREATE UNIQUE INDEX trusted_origins_name_unique ON trusted_origins (name_lower);
CREATE INDEX trusted_origins_created_idx ON trusted_origins (created, id);
