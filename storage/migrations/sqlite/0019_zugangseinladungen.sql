-- A tenant admin invites a person to the authority (issue 12 #15): the admin types an
-- address, name and role; the person accepts with the link of the mail — with a new
-- account, or by signing in with the one they have. The admin's answer is the same either
-- way, so no admin learns whether an address has an account in another tenant. The secret
-- is only in the mail; here its SHA-256.
CREATE TABLE zugangseinladungen (
    id                INTEGER PRIMARY KEY,
    tenant_id         BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email             TEXT NOT NULL,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL,
    token_hash        TEXT NOT NULL UNIQUE,
    eingeladen_von    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at        BIGINT NOT NULL,
    laeuft_ab_at      BIGINT NOT NULL,
    angenommen_at     BIGINT,
    angenommen_von    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    zurueckgezogen_at BIGINT
);
CREATE INDEX zugangseinladungen_tenant ON zugangseinladungen(tenant_id, email);
CREATE INDEX zugangseinladungen_created ON zugangseinladungen(tenant_id, created_at);
