-- Users whose group-rule memberships wait for evaluation. Every change that can change what
-- the ACTIVE rules say of a user (create, profile or status, memberships) queues the user in
-- the change's own transaction; the evaluation, under the user's row lock, removes the entry
-- it read (by version, so a change that came in meanwhile queues it again). What a crash
-- interrupts is evaluated at the next start.
CREATE TABLE group_rule_queue (
    user_id TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL,
    queued_at BIGINT NOT NULL
);
CREATE INDEX group_rule_queue_queued_idx ON group_rule_queue (queued_at);
