-- "Passwort vergessen" (issue 13): single-use links that set a new password, valid for one
-- hour. The secret is only in the mail; here its SHA-256.
CREATE TABLE passwort_links (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    laeuft_ab_at  BIGINT NOT NULL,
    benutzt_at    BIGINT
);
CREATE INDEX passwort_links_user ON passwort_links(user_id, created_at);
