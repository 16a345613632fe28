-- User types (the User Types API): the org's default type and up to nine more. A user's
-- type_id names one; a type that users still have cannot be deleted (checked in the delete's
-- own statement, which the index below serves).
CREATE TABLE user_types (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    description TEXT NOT NULL,
    is_default BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    last_updated_by TEXT NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);
CREATE INDEX users_type_idx ON users (type_id);
