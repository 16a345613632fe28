-- Custom administrator roles (a label and Okta permissions), resource sets (the resources a
-- role applies to, by ORN), and the bindings that give a role over a resource set to users,
-- groups and service apps.
CREATE TABLE iam_roles (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    label_lower TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL
);

CREATE TABLE iam_role_permissions (
    role_id TEXT NOT NULL REFERENCES iam_roles (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE resource_sets (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    label_lower TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL
);

CREATE TABLE resource_set_resources (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL REFERENCES resource_sets (id) ON DELETE CASCADE,
    orn TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    UNIQUE (set_id, orn)
);

CREATE TABLE role_bindings (
    set_id TEXT NOT NULL REFERENCES resource_sets (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES iam_roles (id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    PRIMARY KEY (set_id, role_id)
);

CREATE TABLE role_binding_members (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    -- USER, GROUP or CLIENT.
    principal_type TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    UNIQUE (set_id, role_id, principal_type, principal_id),
    FOREIGN KEY (set_id, role_id) REFERENCES role_bindings (set_id, role_id) ON DELETE CASCADE
);
CREATE INDEX role_binding_members_principal_idx ON role_binding_members (principal_type, principal_id);
