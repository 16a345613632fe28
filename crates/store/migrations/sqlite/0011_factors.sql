-- Enrolled MFA factors. Secrets (TOTP seed, answer hash, WebAuthn credential) and the
-- pending challenge (a code digest or WebAuthn state) are sealed; `version` guards
-- concurrent verifications (a TOTP step is accepted once even across nodes).
CREATE TABLE factors (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    factor_type TEXT NOT NULL,
    provider TEXT NOT NULL,
    status TEXT NOT NULL,
    profile TEXT NOT NULL,
    secret_sealed TEXT,
    challenge_sealed TEXT,
    challenge_expires INTEGER NOT NULL,
    last_sent INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    attempts_since INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created INTEGER NOT NULL,
    last_updated INTEGER NOT NULL
);
-- One factor per type and provider, but any number of WebAuthn authenticators.
CREATE UNIQUE INDEX factors_user_type_unique ON factors (user_id, factor_type, provider)
    WHERE factor_type <> 'webauthn';
CREATE INDEX factors_user_idx ON factors (user_id, created);
