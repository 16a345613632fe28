-- Event hooks and their delivery outbox.
--
-- A dispatcher follows the System Log in commit order from `hook_dispatch.cursor` and turns
-- each event into one delivery per ACTIVE, VERIFIED hook subscribed to its type. Deliveries
-- go out per hook in id order (the head blocks the rest of its hook until it is delivered
-- or given up), claimed with a lease so a node that dies mid-delivery is replaced.
CREATE TABLE event_hooks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    verification_status TEXT NOT NULL,
    events TEXT NOT NULL,
    channel TEXT NOT NULL,
    auth_value_sealed TEXT,
    -- Events up to this seq were logged before the hook could receive them.
    from_seq INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL
);

CREATE TABLE hook_dispatch (
    id INTEGER PRIMARY KEY,
    cursor INTEGER NOT NULL
);
INSERT INTO hook_dispatch (id, cursor) VALUES (1, 0);

CREATE TABLE hook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hook_id TEXT NOT NULL REFERENCES event_hooks (id) ON DELETE CASCADE,
    event_seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    locked_until INTEGER,
    last_error TEXT,
    created INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX hook_deliveries_pending_idx ON hook_deliveries (hook_id, status, id);
