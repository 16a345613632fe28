-- Administrator role assignments (Roles API) and the targets that limit them.
CREATE TABLE role_assignments (
    id TEXT PRIMARY KEY,
    -- USER or GROUP: who holds the role.
    principal_type TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    -- A standard role type (SUPER_ADMIN, ...).
    role_type TEXT NOT NULL,
    status TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL,
    UNIQUE (principal_type, principal_id, role_type)
);
CREATE INDEX role_assignments_type_idx ON role_assignments (role_type, principal_type, principal_id);

CREATE TABLE role_targets (
    assignment_id TEXT NOT NULL REFERENCES role_assignments (id) ON DELETE CASCADE,
    -- GROUP (a group id), APP_NAME (every instance of a catalog app) or APP (one instance).
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    -- For APP: the instance's app name.
    app_name TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (assignment_id, kind, target)
);
CREATE INDEX role_targets_target_idx ON role_targets (kind, target);
