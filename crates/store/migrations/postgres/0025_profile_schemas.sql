-- Profile schemas (the Schemas API): one row per schema that has been changed, keyed
-- 'user:<type id>', 'group' or 'app:<app id>'; its document holds the custom properties and
-- the changed base settings. A schema never changed has no row and is the default.
CREATE TABLE profile_schemas (
    id TEXT PRIMARY KEY NOT NULL,
    document JSONB NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL,
    version BIGINT NOT NULL
);

-- Unique custom properties: which user type (owner_key) or the group profile ('default')
-- declares which property unique, and the values taken. Values of one property name share
-- one namespace across all user types (the primary key has no owner_key); a value is the
-- JSON text of a number or the lower-cased string, and empty strings take nothing. The
-- trigger keeps unique_values in step with every write of a user or group profile, so no
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

CREATE FUNCTION sync_user_unique_values() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.profile IS NOT DISTINCT FROM OLD.profile
        AND NEW.type_id IS NOT DISTINCT FROM OLD.type_id THEN
        RETURN NEW;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM unique_values WHERE scope = 'user' AND owner_id = OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    INSERT INTO unique_values (scope, name, value, owner_id)
    SELECT 'user', a.name, lower(NEW.profile ->> a.name), NEW.id
    FROM unique_attributes a
    WHERE a.scope = 'user' AND a.owner_key = NEW.type_id
      AND jsonb_typeof(NEW.profile -> a.name) IN ('string', 'number')
      AND NEW.profile ->> a.name <> '';
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION sync_group_unique_values() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.profile IS NOT DISTINCT FROM OLD.profile THEN
        RETURN NEW;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM unique_values WHERE scope = 'group' AND owner_id = OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    INSERT INTO unique_values (scope, name, value, owner_id)
    SELECT 'group', a.name, lower(NEW.profile ->> a.name), NEW.id
    FROM unique_attributes a
    WHERE a.scope = 'group'
      AND jsonb_typeof(NEW.profile -> a.name) IN ('string', 'number')
      AND NEW.profile ->> a.name <> '';
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_unique_values AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION sync_user_unique_values();
CREATE TRIGGER groups_unique_values AFTER INSERT OR UPDATE OR DELETE ON groups
    FOR EACH ROW EXECUTE FUNCTION sync_group_unique_values();
