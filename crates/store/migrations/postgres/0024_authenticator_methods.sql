-- The methods an admin turned off of an authenticator (`sms`, `voice`, ...), space-separated;
-- empty when every supported method is on.
ALTER TABLE authenticators ADD COLUMN inactive_methods TEXT NOT NULL DEFAULT '';
