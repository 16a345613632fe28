-- The org's authenticators (the Authenticators API): which factor kinds users may enroll,
-- by authenticator key, with their settings. One row per key; the server writes the set it
-- supports at start and never deletes one.
CREATE TABLE authenticators (
    id TEXT PRIMARY KEY NOT NULL,
    key TEXT NOT NULL UNIQUE,
    authenticator_type TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    settings TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);
