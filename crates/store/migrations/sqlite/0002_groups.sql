-- The Groups API: the source app of imported groups, unique names, the indexes behind the
-- group list's filters and orders, and group owners.

-- The app an APP_GROUP was imported from (`source.id`); NULL for other groups.
ALTER TABLE groups ADD COLUMN source_id TEXT;

-- Okta refuses a second group of a taken name (ignoring case); only groups imported from
-- apps may share names.
CREATE UNIQUE INDEX groups_name_unique ON groups (name_lower) WHERE type <> 'APP_GROUP';
CREATE INDEX groups_type_idx ON groups (type, id);
CREATE INDEX groups_created_idx ON groups (created, id);
CREATE INDEX groups_last_updated_idx ON groups (last_updated, id);
CREATE INDEX groups_last_membership_updated_idx ON groups (last_membership_updated, id);
CREATE INDEX groups_source_idx ON groups (source_id, id);

-- Owners are users or groups. `owner_id` repeats whichever of `user_id` / `owner_group_id`
-- is set, so both kinds share one key and one order, and the owner row goes with the owner.
CREATE TABLE group_owners (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL,
    owner_type TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    owner_group_id TEXT REFERENCES groups (id) ON DELETE CASCADE,
    last_updated INTEGER NOT NULL,
    PRIMARY KEY (group_id, owner_id),
    CONSTRAINT group_owners_kind CHECK (
        (owner_type = 'USER' AND user_id = owner_id AND owner_group_id IS NULL)
        OR (owner_type = 'GROUP' AND owner_group_id = owner_id AND user_id IS NULL)
    )
);
CREATE INDEX group_owners_user_idx ON group_owners (user_id);
CREATE INDEX group_owners_owner_group_idx ON group_owners (owner_group_id);
