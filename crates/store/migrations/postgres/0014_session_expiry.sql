-- The hourly purge deletes sessions whose idle expiry has passed.
CREATE INDEX sessions_expiry_idx ON sessions (idle_expires_at);
