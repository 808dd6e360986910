-- The Antrag: procedure, state, Aktenzeichen and the entered data of a case; participants
-- (Bauherrschaft invited by email, with Freizeichnung); frozen Fassungen; the timeline; the
-- running deadlines; the formelle Prüfung's Befunde; per-tenant checklists as data.

ALTER TABLE tenants ADD COLUMN aktenzeichen_format TEXT NOT NULL DEFAULT '{kuerzel}-{jahr}-{nummer:5}';
ALTER TABLE tenants ADD COLUMN aktenzeichen_kuerzel TEXT NOT NULL DEFAULT 'BA';

-- Once-only data of a user (Entwurfsverfasser/in: Kammer, Mitgliedsnummer, Büro …), JSON.
ALTER TABLE users ADD COLUMN profil TEXT NOT NULL DEFAULT '{}';

-- Slug of the Verfahrensart (domain `verfahren`), state slug (domain `vorgang::Zustand`).
ALTER TABLE vorgaenge ADD COLUMN verfahren TEXT;
ALTER TABLE vorgaenge ADD COLUMN zustand TEXT NOT NULL DEFAULT 'entwurf';
ALTER TABLE vorgaenge ADD COLUMN aktenzeichen TEXT;
-- Bauvorhaben, Grundstück (with Flurstücke), Beteiligte as entered; JSON.
ALTER TABLE vorgaenge ADD COLUMN angaben TEXT NOT NULL DEFAULT '{}';
-- Copied out of `angaben` for the inbox filters.
ALTER TABLE vorgaenge ADD COLUMN gemeinde_ags TEXT;
ALTER TABLE vorgaenge ADD COLUMN eingereicht_at BIGINT;
-- End (YYYY-MM-DD) of the earliest running deadline, for "Frist bald" in the inbox.
ALTER TABLE vorgaenge ADD COLUMN naechste_frist TEXT;
CREATE UNIQUE INDEX vorgaenge_aktenzeichen ON vorgaenge(tenant_id, aktenzeichen);
CREATE INDEX vorgaenge_eingang ON vorgaenge(tenant_id, zustand, id);
CREATE INDEX vorgaenge_frist ON vorgaenge(tenant_id, naechste_frist);

-- A document withdrawn from the current set (it stays in earlier Fassungen).
ALTER TABLE dokumente ADD COLUMN entfernt_at BIGINT;

-- Aktenzeichen numbers per tenant and year; a number is taken once and never given back.
CREATE TABLE aktenzeichen_zaehler (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    jahr       BIGINT NOT NULL,
    letzte     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, jahr)
);

-- A tenant's edited checklist for a procedure; the newest version counts.
CREATE TABLE checklisten (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    verfahren   TEXT NOT NULL,
    version     BIGINT NOT NULL,
    inhalt      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    PRIMARY KEY (tenant_id, verfahren, version)
);

-- The set of document versions as submitted (Fassung 1) and as after each Nachreichung.
CREATE TABLE fassungen (
    id          INTEGER PRIMARY KEY,
    vorgang_id  BIGINT NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    nummer      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  BIGINT NOT NULL REFERENCES users(id),
    UNIQUE (vorgang_id, nummer)
);
CREATE TABLE fassung_dokumente (
    fassung_id   BIGINT NOT NULL REFERENCES fassungen(id) ON DELETE CASCADE,
    dokument_id  BIGINT NOT NULL REFERENCES dokumente(id) ON DELETE CASCADE,
    version_id   BIGINT NOT NULL REFERENCES dokument_versionen(id) ON DELETE CASCADE,
    PRIMARY KEY (fassung_id, dokument_id)
);

-- People of a case besides its owner: the Bauherrschaft, invited by email.
CREATE TABLE beteiligte (
    id                INTEGER PRIMARY KEY,
    vorgang_id        BIGINT NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    rolle             TEXT NOT NULL CHECK (rolle IN ('bauherrschaft')),
    email             TEXT NOT NULL,
    name              TEXT NOT NULL,
    user_id           BIGINT REFERENCES users(id),
    -- SHA-256 of the invitation secret (the secret is only in the mail).
    einladung_hash    TEXT UNIQUE,
    eingeladen_at     BIGINT NOT NULL,
    angenommen_at     BIGINT,
    freigezeichnet_at BIGINT,
    UNIQUE (vorgang_id, email)
);
CREATE INDEX beteiligte_user ON beteiligte(user_id);

-- The timeline: every event of a case. Append-only.
CREATE TABLE ereignisse (
    id           INTEGER PRIMARY KEY,
    vorgang_id   BIGINT NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    at           BIGINT NOT NULL,
    user_id      BIGINT REFERENCES users(id),
    art          TEXT NOT NULL,
    zustand      TEXT,
    status_code  TEXT,
    text         TEXT NOT NULL
);
CREATE INDEX ereignisse_vorgang ON ereignisse(vorgang_id, id);

-- Running and past deadlines of a case.
CREATE TABLE fristen (
    id               INTEGER PRIMARY KEY,
    vorgang_id       BIGINT NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    art              TEXT NOT NULL CHECK (art IN ('nachforderung', 'entscheidung')),
    rechtsgrundlage  TEXT NOT NULL,
    start            TEXT NOT NULL,
    ende             TEXT NOT NULL,
    erklaerung       TEXT NOT NULL,
    -- laeuft → (erledigt | faellig → (ausgeloest | laeuft after an extension))
    zustand          TEXT NOT NULL CHECK (zustand IN ('laeuft', 'erledigt', 'faellig', 'ausgeloest')),
    created_at       BIGINT NOT NULL,
    geaendert_at     BIGINT NOT NULL
);
CREATE INDEX fristen_offen ON fristen(zustand, ende);
CREATE INDEX fristen_vorgang ON fristen(vorgang_id);

-- Befundliste of the formelle Prüfung (codes from XBau formellebefundeart_2.0).
CREATE TABLE befunde (
    id           INTEGER PRIMARY KEY,
    vorgang_id   BIGINT NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    runde        BIGINT NOT NULL,
    code         TEXT NOT NULL,
    text         TEXT NOT NULL,
    dokument_id  BIGINT REFERENCES dokumente(id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    created_by   BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX befunde_vorgang ON befunde(vorgang_id, runde);
