-- Messages to users (recovery emails, SMS and voice codes) waiting for delivery. A request
-- writes its message in the same transaction as the change that needs it and answers at once;
-- a background worker on any node claims due messages (a lease), delivers them and deletes
-- them, or tries again later. The payload is sealed with the org's key: it holds codes and
-- recovery tokens.
CREATE TABLE outbox_messages (
    id TEXT PRIMARY KEY NOT NULL,
    channel TEXT NOT NULL,
    user_id TEXT,
    payload TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until INTEGER,
    last_error TEXT
);
CREATE INDEX outbox_messages_due_idx ON outbox_messages (next_attempt_at);
