-- Personal access tokens get rights and an end (issue 12): a token may only read, or read
-- and write; every token expires. Tokens made before keep writing and end a year after
-- they were made.
ALTER TABLE api_tokens ADD COLUMN rechte TEXT NOT NULL DEFAULT 'schreiben'
    CHECK (rechte IN ('lesen', 'schreiben'));
ALTER TABLE api_tokens ADD COLUMN laeuft_ab_at BIGINT;
UPDATE api_tokens SET laeuft_ab_at = created_at + CAST(365 AS BIGINT) * 86400000;
