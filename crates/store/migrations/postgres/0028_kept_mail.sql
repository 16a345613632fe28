-- The org's mailbox: email that had no SMTP server to go to (no --smtp-url) is kept here
-- instead, so a local org needs no mail server. Read with `latchkey outbox`. The payload stays
-- sealed with the org's key (it carries links and codes); the recipient and subject are plain
-- so the list can be read without unsealing.
CREATE TABLE kept_mail (
    -- Arrival order (times can tie under a test clock).
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    kept_at BIGINT NOT NULL
);
CREATE INDEX kept_mail_recipient_idx ON kept_mail (lower(recipient), seq);
