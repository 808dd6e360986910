-- Sign-in through OpenID Connect providers (issue 13): the applicants' Servicekonto and the
-- authorities' own directories.

-- A sign-in that went to the provider and has not come back yet: found by the hash of its
-- `state`, bound to the browser by a cookie holding the same value, used once. The nonce
-- and the PKCE verifier are what the callback checks the answer against.
CREATE TABLE oidc_anmeldungen (
    state_hash     TEXT NOT NULL PRIMARY KEY,
    anbieter       TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    pkce_verifier  TEXT NOT NULL,
    weiter         TEXT NOT NULL,
    laeuft_ab_at   BIGINT NOT NULL,
    benutzt_at     BIGINT,
    -- Set when a new applicant still has to choose their authority after the provider.
    user_id        BIGINT REFERENCES users(id) ON DELETE CASCADE,
    niveau         TEXT,
    -- Set when a signed-in person links their account to the provider (Mein Konto).
    verbinden_user_id BIGINT REFERENCES users(id) ON DELETE CASCADE
);

-- Accounts are linked to a provider's subject, never by e-mail alone.
CREATE TABLE externe_identitaeten (
    anbieter    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- The trust level (acr) the provider reported at the last sign-in.
    niveau      TEXT,
    created_at  BIGINT NOT NULL,
    zuletzt_at  BIGINT NOT NULL,
    PRIMARY KEY (anbieter, subject)
);
CREATE INDEX externe_identitaeten_user ON externe_identitaeten(user_id);

-- The tenant admin's mapping of the staff provider's groups to a role (and, for
-- Fachstellen, a Stelle). Evaluated at every staff sign-in.
CREATE TABLE gruppenzuordnungen (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    gruppe      TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('bauaufsicht', 'fachstelle', 'admin')),
    stelle_id   BIGINT REFERENCES stellen(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX gruppenzuordnungen_eindeutig ON gruppenzuordnungen(tenant_id, gruppe, role, COALESCE(stelle_id, 0));

-- A tenant whose staff sign in through its provider can switch local passwords off.
ALTER TABLE tenants ADD COLUMN lokale_anmeldung BIGINT NOT NULL DEFAULT 1;
-- The least trust level an applicant's sign-in needs to submit (NULL: any).
ALTER TABLE tenants ADD COLUMN mindest_niveau TEXT;
-- Which provider opened a session (for RP-initiated logout) and at what trust level.
ALTER TABLE sessions ADD COLUMN anbieter TEXT;
ALTER TABLE sessions ADD COLUMN niveau TEXT;
