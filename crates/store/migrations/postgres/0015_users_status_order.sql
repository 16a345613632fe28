-- A status filter pages in id order (the default order of a users list) from an index, not
-- by sorting every user of that status.
CREATE INDEX users_status_id_idx ON users (status, (id COLLATE "C"));
