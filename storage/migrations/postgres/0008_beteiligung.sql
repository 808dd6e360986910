-- Beteiligung: Stellen (organisations asked for statements, possibly shared across the
-- Land), requests per case with their deadline and its legal consequence, comments
-- anchored on plan pages, Rückfragen, Stellungnahmen (immutable; corrections supersede),
-- reminders sent, and the Bescheid.

CREATE TABLE stellen (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL: a Land-wide Stelle (e.g. Landesamt für Denkmalpflege) that every tenant may ask.
    tenant_id     BIGINT REFERENCES tenants(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    rechtsbereich TEXT NOT NULL DEFAULT '',
    -- AGS of the Gemeinde this Stelle is (for the Einvernehmen), else NULL.
    gemeinde_ags  TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX stellen_tenant ON stellen(tenant_id);

CREATE TABLE stellen_mitglieder (
    stelle_id  BIGINT NOT NULL REFERENCES stellen(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (stelle_id, user_id)
);
CREATE INDEX stellen_mitglieder_user ON stellen_mitglieder(user_id);

CREATE TABLE beteiligungen (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vorgang_id            BIGINT NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    stelle_id             BIGINT NOT NULL REFERENCES stellen(id),
    -- XBau beteiligungrolle_2.0 code: 1 zuständig, 2 sachverständig, 3 Gemeinde.
    rolle                 TEXT NOT NULL,
    rechtsbereich         TEXT NOT NULL DEFAULT '',
    notiz                 TEXT NOT NULL DEFAULT '',
    -- JSON list of document ids in scope; NULL: all documents.
    umfang                TEXT,
    -- The Fassung current at the request: what the Stelle sees.
    fassung_id            BIGINT REFERENCES fassungen(id),
    -- Later versions shared with the Stelle by the Bauaufsicht.
    freigegeben_fassung_id BIGINT REFERENCES fassungen(id),
    zustand               TEXT NOT NULL,
    -- The deadline: dates YYYY-MM-DD, legal basis, explanation, who set it.
    start                 TEXT NOT NULL,
    ende                  TEXT NOT NULL,
    rechtsgrundlage       TEXT NOT NULL,
    erklaerung            TEXT NOT NULL,
    behoerdlich_gesetzt   BIGINT NOT NULL DEFAULT 0,
    -- What silence means: 'zustimmung', 'einvernehmen' or 'keine'.
    schweigefolge         TEXT NOT NULL,
    -- Set once, when the system records the deemed consent.
    fiktion_at            BIGINT,
    -- Comma-separated days-before-end whose reminder went out (7,1).
    erinnerungen          TEXT NOT NULL DEFAULT '',
    andere_kommentare_sichtbar BIGINT NOT NULL DEFAULT 0,
    grund                 TEXT,
    angefragt_at          BIGINT NOT NULL,
    angefragt_by          BIGINT NOT NULL REFERENCES users(id),
    geaendert_at          BIGINT NOT NULL
);
CREATE INDEX beteiligungen_vorgang ON beteiligungen(vorgang_id);
CREATE INDEX beteiligungen_stelle ON beteiligungen(stelle_id, zustand);
CREATE INDEX beteiligungen_offen ON beteiligungen(zustand, ende);

CREATE TABLE kommentare (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vorgang_id     BIGINT NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    beteiligung_id BIGINT REFERENCES beteiligungen(id) ON DELETE CASCADE,
    version_id     BIGINT NOT NULL REFERENCES dokument_versionen(id) ON DELETE CASCADE,
    seite          BIGINT NOT NULL,
    -- Normalised 0..1 from the top left of the page as shown; w/h NULL for a point.
    x              DOUBLE PRECISION NOT NULL,
    y              DOUBLE PRECISION NOT NULL,
    w              DOUBLE PRECISION,
    h              DOUBLE PRECISION,
    antwort_auf    BIGINT REFERENCES kommentare(id) ON DELETE CASCADE,
    text           TEXT NOT NULL,
    user_id        BIGINT NOT NULL REFERENCES users(id),
    stelle_id      BIGINT REFERENCES stellen(id),
    created_at     BIGINT NOT NULL
);
CREATE INDEX kommentare_version ON kommentare(version_id, seite);

CREATE TABLE rueckfragen (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    beteiligung_id  BIGINT NOT NULL REFERENCES beteiligungen(id) ON DELETE CASCADE,
    frage           TEXT NOT NULL,
    an_antragsteller BIGINT NOT NULL DEFAULT 0,
    hemmt_frist     BIGINT NOT NULL DEFAULT 0,
    antwort         TEXT,
    gestellt_at     BIGINT NOT NULL,
    gestellt_by     BIGINT NOT NULL REFERENCES users(id),
    beantwortet_at  BIGINT,
    beantwortet_by  BIGINT REFERENCES users(id)
);
CREATE INDEX rueckfragen_beteiligung ON rueckfragen(beteiligung_id);

-- Immutable once written; a correction is a new row that names the one it supersedes.
CREATE TABLE stellungnahmen (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    beteiligung_id  BIGINT NOT NULL REFERENCES beteiligungen(id) ON DELETE CASCADE,
    ersetzt_id      BIGINT REFERENCES stellungnahmen(id),
    tenor           TEXT NOT NULL,
    zustimmung      TEXT NOT NULL,
    -- JSON list of {art, text}.
    nebenbestimmungen TEXT NOT NULL,
    begruendung     TEXT NOT NULL,
    verspaetet      BIGINT NOT NULL DEFAULT 0,
    -- For a late one: whether the Bauaufsicht considers it (NULL: not decided yet).
    beruecksichtigt BIGINT,
    created_at      BIGINT NOT NULL,
    created_by      BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX stellungnahmen_beteiligung ON stellungnahmen(beteiligung_id);

CREATE TABLE bescheide (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vorgang_id       BIGINT NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    -- Entwurf while drafted; erlassen once issued (then immutable).
    zustand          TEXT NOT NULL CHECK (zustand IN ('entwurf', 'erlassen')),
    nummer           TEXT,
    -- JSON of the domain's BescheidEntwurf.
    inhalt           TEXT NOT NULL,
    pdf_sha256       TEXT REFERENCES blobs(sha256),
    created_at       BIGINT NOT NULL,
    created_by       BIGINT NOT NULL REFERENCES users(id),
    erlassen_at      BIGINT,
    erlassen_by      BIGINT REFERENCES users(id)
);
CREATE UNIQUE INDEX bescheide_entwurf ON bescheide(vorgang_id) WHERE zustand = 'entwurf';
