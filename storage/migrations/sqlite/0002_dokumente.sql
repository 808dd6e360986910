-- Cases (Vorgänge) as far as documents need them, documents with immutable versions, and
-- what the document pipeline finds in each version.

CREATE TABLE vorgaenge (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    owner_user_id  INTEGER NOT NULL REFERENCES users(id),
    bezeichnung    TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX vorgaenge_tenant ON vorgaenge(tenant_id, id);
CREATE INDEX vorgaenge_owner ON vorgaenge(owner_user_id, id);

-- Every object in the document store, by content address. A stored object without a row
-- here is an orphan (an upload that failed after storing) and is removed by maintenance.
CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY,
    groesse     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

-- A logical Bauvorlage of a case.
CREATE TABLE dokumente (
    id           INTEGER PRIMARY KEY,
    vorgang_id   INTEGER NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    bezeichnung  TEXT NOT NULL,
    -- Document type chosen by the uploader (code from XBau anlagen_3.0), if any.
    anlageart    TEXT,
    created_at   INTEGER NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX dokumente_vorgang ON dokumente(vorgang_id, id);

-- One immutable upload of one document.
CREATE TABLE dokument_versionen (
    id           INTEGER PRIMARY KEY,
    dokument_id  INTEGER NOT NULL REFERENCES dokumente(id) ON DELETE CASCADE,
    vorgang_id   INTEGER NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    nummer       INTEGER NOT NULL,
    sha256       TEXT NOT NULL REFERENCES blobs(sha256),
    groesse      INTEGER NOT NULL,
    dateiname    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users(id),
    UNIQUE (dokument_id, nummer)
);
CREATE INDEX dokument_versionen_vorgang ON dokument_versionen(vorgang_id);
CREATE INDEX dokument_versionen_sha ON dokument_versionen(sha256);

-- The pipeline stages of a version, each run as a durable job.
CREATE TABLE dokument_stufen (
    version_id  INTEGER NOT NULL REFERENCES dokument_versionen(id) ON DELETE CASCADE,
    stufe       TEXT NOT NULL CHECK (stufe IN ('validate', 'extract', 'metadata', 'preview')),
    job_id      INTEGER NOT NULL REFERENCES jobs(id),
    PRIMARY KEY (version_id, stufe)
);

-- What a stage found (Feststellungen der Dateiprüfung).
CREATE TABLE feststellungen (
    id          INTEGER PRIMARY KEY,
    version_id  INTEGER NOT NULL REFERENCES dokument_versionen(id) ON DELETE CASCADE,
    stufe       TEXT NOT NULL,
    code        TEXT NOT NULL,
    schwere     TEXT NOT NULL CHECK (schwere IN ('fehler', 'warnung', 'hinweis')),
    meldung     TEXT NOT NULL,
    seite       INTEGER
);
CREATE INDEX feststellungen_version ON feststellungen(version_id);

-- The pages of a version: size, format, where its text came from, its preview.
CREATE TABLE seiten (
    version_id       INTEGER NOT NULL REFERENCES dokument_versionen(id) ON DELETE CASCADE,
    nummer           INTEGER NOT NULL,
    breite_mm        REAL NOT NULL,
    hoehe_mm         REAL NOT NULL,
    format           TEXT NOT NULL,
    ausrichtung      TEXT NOT NULL,
    scan_dpi         INTEGER,
    text_quelle      TEXT,
    text             TEXT,
    vorschau_sha256  TEXT,
    PRIMARY KEY (version_id, nummer)
);

-- Plan metadata, each field with its source, page and confidence.
CREATE TABLE metadaten (
    version_id  INTEGER NOT NULL REFERENCES dokument_versionen(id) ON DELETE CASCADE,
    feld        TEXT NOT NULL,
    wert        TEXT NOT NULL,
    quelle      TEXT NOT NULL CHECK (quelle IN ('textebene', 'ocr')),
    seite       INTEGER NOT NULL,
    konfidenz   REAL NOT NULL,
    PRIMARY KEY (version_id, feld)
);
