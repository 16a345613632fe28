-- Policies and their rules (policy.md), network zones (zones.md), and the failed sign-in
-- counters the password policy's lockout settings read.

-- Type-specific data (conditions, settings, actions, gateways) is JSON that the domain
-- validated before it was written. `priority` is 1-based within a type (within a policy for
-- rules); the store rewrites priorities in the transaction that inserts or moves a row.
CREATE TABLE policies (
    id TEXT PRIMARY KEY NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    priority BIGINT NOT NULL,
    status TEXT NOT NULL,
    system BOOLEAN NOT NULL,
    conditions JSONB NOT NULL,
    settings JSONB NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);
CREATE INDEX policies_type_priority_idx ON policies (type, priority, id);
-- One default (system) policy per type: nodes starting together create it once.
CREATE UNIQUE INDEX policies_default_unique ON policies (type) WHERE system;

CREATE TABLE policy_rules (
    id TEXT PRIMARY KEY NOT NULL,
    policy_id TEXT NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    priority BIGINT NOT NULL,
    status TEXT NOT NULL,
    system BOOLEAN NOT NULL,
    conditions JSONB NOT NULL,
    actions JSONB NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);
CREATE INDEX policy_rules_policy_priority_idx ON policy_rules (policy_id, priority, id);

CREATE TABLE network_zones (
    id TEXT PRIMARY KEY NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    status TEXT NOT NULL,
    usage TEXT NOT NULL,
    system BOOLEAN NOT NULL,
    gateways JSONB NOT NULL,
    proxies JSONB NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);
-- The default zones (LegacyIpZone, BlockedIpZone) exist once, however many nodes start.
CREATE UNIQUE INDEX network_zones_default_unique ON network_zones (name_lower) WHERE system;
CREATE INDEX network_zones_created_idx ON network_zones (created, id);

-- Consecutive failed password attempts per user; `locked_at` is set when the count reached
-- the policy's maxAttempts.
CREATE TABLE user_login_failures (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    failures BIGINT NOT NULL,
    last_failure BIGINT NOT NULL,
    locked_at BIGINT
);
