-- Password attempts per user: consecutive failures (the lockout counter) and the attempts
-- being verified right now (`pending`, reserved at `pending_at`), so that a burst of
-- concurrent sign-ins never verifies more passwords than the policy's maxAttempts.
-- No foreign key: unknown usernames count under one fixed key that names no user, so a
-- sign-in costs the same writes whether or not the user exists. A deleted user's row goes
-- with it (delete_user).
CREATE TABLE login_attempts (
    user_id TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failure INTEGER NOT NULL DEFAULT 0,
    locked_at INTEGER,
    pending INTEGER NOT NULL DEFAULT 0,
    pending_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO login_attempts (user_id, failures, last_failure, locked_at)
    SELECT user_id, failures, last_failure, locked_at FROM user_login_failures;
DROP TABLE user_login_failures;
