-- Profile schemas (the Schemas API): one row per schema that has been changed, keyed
-- 'user:<type id>', 'group' or 'app:<app id>'; its document holds the custom properties and
-- the changed base settings. A schema never changed has no row and is the default.
CREATE TABLE profile_schemas (
    id TEXT PRIMARY KEY NOT NULL,
    document TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    version INTEGER NOT NULL
);

-- Unique custom properties: which user type (owner_key) or the group profile ('default')
-- declares which property unique, and the values taken. Values of one property name share
-- one namespace across all user types (the primary key has no owner_key); a value is the
-- JSON text of a number or the lower-cased string, and empty strings take nothing. The
-- triggers keep unique_values in step with every write of a user or group profile, so no
-- write path can skip the check and concurrent writers meet at the primary key.
CREATE TABLE unique_attributes (
    scope TEXT NOT NULL,
    owner_key TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (scope, owner_key, name)
);
CREATE TABLE unique_values (
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    PRIMARY KEY (scope, name, value)
);
CREATE INDEX unique_values_owner_idx ON unique_values (owner_id);

CREATE TRIGGER users_unique_values_insert AFTER INSERT ON users
WHEN EXISTS (SELECT 1 FROM unique_attributes WHERE scope = 'user' AND owner_key = NEW.type_id)
BEGIN
    INSERT INTO unique_values (scope, name, value, owner_id)
    SELECT 'user', a.name,
           lower(CAST(json_extract(NEW.profile, '$."' || a.name || '"') AS TEXT)), NEW.id
    FROM unique_attributes a
    WHERE a.scope = 'user' AND a.owner_key = NEW.type_id
      AND json_type(NEW.profile, '$."' || a.name || '"') IN ('text', 'integer', 'real')
      AND json_extract(NEW.profile, '$."' || a.name || '"') <> '';
END;

CREATE TRIGGER users_unique_values_update AFTER UPDATE OF profile, type_id ON users
WHEN OLD.profile IS NOT NEW.profile OR OLD.type_id IS NOT NEW.type_id
BEGIN
    DELETE FROM unique_values WHERE scope = 'user' AND owner_id = NEW.id;
    INSERT INTO unique_values (scope, name, value, owner_id)
    SELECT 'user', a.name,
           lower(CAST(json_extract(NEW.profile, '$."' || a.name || '"') AS TEXT)), NEW.id
    FROM unique_attributes a
    WHERE a.scope = 'user' AND a.owner_key = NEW.type_id
      AND json_type(NEW.profile, '$."' || a.name || '"') IN ('text', 'integer', 'real')
      AND json_extract(NEW.profile, '$."' || a.name || '"') <> '';
END;

CREATE TRIGGER users_unique_values_delete AFTER DELETE ON users
BEGIN
    DELETE FROM unique_values WHERE scope = 'user' AND owner_id = OLD.id;
END;

CREATE TRIGGER groups_unique_values_insert AFTER INSERT ON groups
WHEN EXISTS (SELECT 1 FROM unique_attributes WHERE scope = 'group')
BEGIN
    INSERT INTO unique_values (scope, name, value, owner_id)
    SELECT 'group', a.name,
           lower(CAST(json_extract(NEW.profile, '$."' || a.name || '"') AS TEXT)), NEW.id
    FROM unique_attributes a
    WHERE a.scope = 'group'
      AND json_type(NEW.profile, '$."' || a.name || '"') IN ('text', 'integer', 'real')
      AND json_extract(NEW.profile, '$."' || a.name || '"') <> '';
END;

CREATE TRIGGER groups_unique_values_update AFTER UPDATE OF profile ON groups
WHEN OLD.profile IS NOT NEW.profile
BEGIN
    DELETE FROM unique_values WHERE scope = 'group' AND owner_id = NEW.id;
    INSERT INTO unique_values (scope, name, value, owner_id)
    SELECT 'group', a.name,
           lower(CAST(json_extract(NEW.profile, '$."' || a.name || '"') AS TEXT)), NEW.id
    FROM unique_attributes a
    WHERE a.scope = 'group'
      AND json_type(NEW.profile, '$."' || a.name || '"') IN ('text', 'integer', 'real')
      AND json_extract(NEW.profile, '$."' || a.name || '"') <> '';
END;

CREATE TRIGGER groups_unique_values_delete AFTER DELETE ON groups
BEGIN
    DELETE FROM unique_values WHERE scope = 'group' AND owner_id = OLD.id;
END;
