-- Linked objects (the Linked Objects API): relationship definitions, a primary name and an
-- associated name each (no name used twice across both sides), and their values, which link
-- an associated user to at most one primary user per definition. A definition's values go with
-- it; a user's values go with the user.
CREATE TABLE linked_object_definitions (
    primary_name TEXT PRIMARY KEY NOT NULL,
    primary_lower TEXT NOT NULL UNIQUE,
    primary_title TEXT NOT NULL,
    primary_description TEXT,
    associated_name TEXT NOT NULL,
    associated_lower TEXT NOT NULL UNIQUE,
    associated_title TEXT NOT NULL,
    associated_description TEXT,
    created BIGINT NOT NULL
);
CREATE TABLE linked_object_values (
    primary_name TEXT NOT NULL REFERENCES linked_object_definitions (primary_name) ON DELETE CASCADE,
    associated_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    primary_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created BIGINT NOT NULL,
    PRIMARY KEY (primary_name, associated_user_id)
);
CREATE INDEX linked_object_values_primary_idx
    ON linked_object_values (primary_name, primary_user_id, associated_user_id);
CREATE INDEX linked_object_values_primary_user_idx ON linked_object_values (primary_user_id);
