-- Inline hooks: an HTTP channel called synchronously at points of a flow (telephony,
-- password import, ...), and through /execute. The auth header value is sealed.
CREATE TABLE inline_hooks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    version TEXT NOT NULL,
    status TEXT NOT NULL,
    channel JSONB NOT NULL,
    auth_value_sealed TEXT,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);
CREATE INDEX inline_hooks_type_idx ON inline_hooks (type, created);
