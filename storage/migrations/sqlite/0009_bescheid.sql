-- Issuing a Bescheid (issue 5, step 7): the approved plans chosen in the draft; the intent to
-- issue, recorded once with the number and the date it fixes; the numbers given out per
-- tenant (never given back, so never reused); each approved plan with the original version
-- it approves and the stamped version made from it; the tenant's text template.

-- JSON list of document ids chosen as approved plans; NULL: not chosen yet (the default
-- applies: every plan of the current Fassung).
ALTER TABLE bescheide ADD COLUMN plaene TEXT;
-- Set once, when the case worker issues the draft; from then on the draft is frozen and a
-- worker job (bescheid.erlassen) renders, stamps and completes it.
ALTER TABLE bescheide ADD COLUMN erlass_beantragt_at BIGINT;
ALTER TABLE bescheide ADD COLUMN erlass_beantragt_by BIGINT REFERENCES users(id);
-- The date the Bescheid carries (YYYY-MM-DD, Berlin), fixed with the intent.
ALTER TABLE bescheide ADD COLUMN erlass_datum TEXT;
ALTER TABLE bescheide ADD COLUMN erlass_job_id BIGINT;

-- Every Bescheid number ever given out. No foreign keys on purpose: the row outlives
-- anything it names, so a number is never given out twice.
CREATE TABLE bescheid_nummern (
    tenant_id    BIGINT NOT NULL,
    nummer       TEXT NOT NULL,
    vorgang_id   BIGINT NOT NULL,
    bescheid_id  BIGINT NOT NULL UNIQUE,
    vergeben_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, nummer)
);
CREATE INDEX bescheid_nummern_vorgang ON bescheid_nummern(vorgang_id);

-- The plans a Bescheid approves (or, for a refusal, lists): the original version frozen in
-- the Fassung, and the stamped version the issuing job made of it (NULL until then).
CREATE TABLE bescheid_plaene (
    bescheid_id            BIGINT NOT NULL REFERENCES bescheide(id) ON DELETE CASCADE,
    dokument_id            BIGINT NOT NULL REFERENCES dokumente(id) ON DELETE CASCADE,
    reihenfolge            BIGINT NOT NULL,
    original_version_id    BIGINT NOT NULL REFERENCES dokument_versionen(id),
    original_sha256        TEXT NOT NULL,
    gestempelt_version_id  BIGINT REFERENCES dokument_versionen(id),
    PRIMARY KEY (bescheid_id, dokument_id)
);
-- A stamped version belongs to exactly one approved plan.
CREATE UNIQUE INDEX bescheid_plaene_gestempelt ON bescheid_plaene(gestempelt_version_id);

-- Per tenant: the Rechtsbehelfsbelehrung every draft starts with, and the letterhead.
CREATE TABLE bescheid_vorlagen (
    tenant_id               BIGINT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    rechtsbehelfsbelehrung  TEXT NOT NULL,
    anschrift               TEXT NOT NULL DEFAULT '',
    ort                     TEXT NOT NULL DEFAULT '',
    geaendert_at            BIGINT NOT NULL,
    geaendert_by            BIGINT REFERENCES users(id)
);
