-- Second factor (issue 13): TOTP (RFC 6238) with single-use recovery codes. A tenant
-- requires it of its staff (Bauaufsicht, Fachstelle, Administration) by default; after the
-- password, the login waits in anmeldevorgaenge (ten minutes, five tries) for the code.
CREATE TABLE zweitfaktoren (
    user_id          BIGINT NOT NULL PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    -- The shared secret, hex. Every code is derived from it; it never leaves the server
    -- again after the person set up their app.
    geheimnis        TEXT NOT NULL,
    bestaetigt_at    BIGINT,
    -- The last time step accepted: a code works once.
    letzter_schritt  BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL
);
CREATE TABLE wiederherstellungscodes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    benutzt_at  BIGINT
);
CREATE INDEX wiederherstellungscodes_user ON wiederherstellungscodes(user_id);
CREATE TABLE anmeldevorgaenge (
    token_hash    TEXT NOT NULL PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    weiter        TEXT NOT NULL,
    mehrere       BIGINT NOT NULL DEFAULT 0,
    laeuft_ab_at  BIGINT NOT NULL,
    versuche      BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE tenants ADD COLUMN zweiter_faktor_pflicht BIGINT NOT NULL DEFAULT 1;
