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
    events JSONB NOT NULL,
    channel JSONB NOT NULL,
    auth_value_sealed TEXT,
    -- Events up to this seq were logged before the hook could receive them.
    from_seq BIGINT NOT NULL DEFAULT 0,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);

CREATE TABLE hook_dispatch (
    id INTEGER PRIMARY KEY,
    cursor BIGINT NOT NULL
);
INSERT INTO hook_dispatch (id, cursor) VALUES (1, 0);

CREATE TABLE hook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    hook_id TEXT NOT NULL REFERENCES event_hooks (id) ON DELETE CASCADE,
    event_seq BIGINT NOT NULL,
    body JSONB NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    created BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX hook_deliveries_pending_idx ON hook_deliveries (hook_id, status, id);
