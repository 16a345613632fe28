-- Group rules (groups.md, "Group rule operations"): a rule, the groups it names (targets and
-- groups its expression reads, so deleting one finds the rules it invalidates), and the
-- memberships each rule created (so deleting a rule with removeUsers removes only those).

CREATE TABLE group_rules (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    status TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL,
    expression TEXT NOT NULL,
    expression_type TEXT NOT NULL,
    excluded_user_ids JSONB NOT NULL,
    excluded_group_ids JSONB NOT NULL,
    group_ids JSONB NOT NULL,
    referenced_group_ids JSONB NOT NULL,
    all_groups_valid BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX group_rules_name_unique ON group_rules (name_lower);
CREATE INDEX group_rules_created_idx ON group_rules (created, (id COLLATE "C"));
CREATE INDEX group_rules_status_idx ON group_rules (status, (id COLLATE "C"));

-- No foreign key to groups: the row must outlive the group so its deletion can mark the rule.
CREATE TABLE group_rule_groups (
    rule_id TEXT NOT NULL REFERENCES group_rules (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL,
    PRIMARY KEY (rule_id, group_id)
);
CREATE INDEX group_rule_groups_group_idx ON group_rule_groups (group_id);

-- A rule-made membership goes with the membership (removed by hand, or its user or group
-- deleted) and with the rule.
CREATE TABLE group_rule_members (
    rule_id TEXT NOT NULL REFERENCES group_rules (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (rule_id, group_id, user_id),
    FOREIGN KEY (group_id, user_id) REFERENCES group_members (group_id, user_id)
        ON DELETE CASCADE
);
CREATE INDEX group_rule_members_membership_idx ON group_rule_members (group_id, user_id);
