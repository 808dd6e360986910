-- Self-registration of applicants (issue 13): what a person entered waits here until the
-- e-mail address is confirmed with the link of the mail. The secret is only in the mail;
-- here its SHA-256. Confirmed or expired rows are removed by maintenance.
CREATE TABLE registrierungen (
    id             INTEGER PRIMARY KEY,
    tenant_id      BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email          TEXT NOT NULL,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     BIGINT NOT NULL,
    laeuft_ab_at   BIGINT NOT NULL,
    bestaetigt_at  BIGINT
);
CREATE INDEX registrierungen_email ON registrierungen(email, created_at);
