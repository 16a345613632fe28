-- A password reset token from the Users API is redeemed at /api/v1/authn/recovery/token.
CREATE INDEX users_reset_token_idx ON users ((secrets->>'resetTokenHash'));
