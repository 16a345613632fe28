-- Certificate signing requests of app key credentials: the key pair waits here (the private
-- key sealed) until a CA's certificate for it is published, which makes it a key credential
-- (app_keys) in the same transaction.
CREATE TABLE app_csrs (
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    created INTEGER NOT NULL,
    csr TEXT NOT NULL,
    e TEXT NOT NULL,
    n TEXT NOT NULL,
    private_key_sealed TEXT NOT NULL,
    PRIMARY KEY (app_id, id)
);
