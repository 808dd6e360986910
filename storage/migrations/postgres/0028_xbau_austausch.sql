-- The XBau exchange (issue 14): the systems a tenant exchanges messages with, and the
-- journal of every message in and out.

-- A partner system: an application portal that submits Bauanträge, or a Fachstelle's own
-- system that answers Beteiligungen. It authenticates with its own secret (stored hashed)
-- and acts through a system account that owns the cases it submitted (disabled: it never
-- signs in and gets no mail; the portal learns the status through XBau).
CREATE TABLE xbau_partner (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    art           TEXT NOT NULL CHECK (art IN ('portal', 'stelle')),
    name          TEXT NOT NULL,
    -- Its authority identifier (DVDV): the author of what it sends, the reader of what it gets.
    kennung       TEXT NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    -- A Fachstelle's system answers for this Stelle (its account is the Stelle's member).
    stelle_id     BIGINT REFERENCES stellen(id),
    token_hash    TEXT NOT NULL UNIQUE,
    token_prefix  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    widerrufen_at BIGINT,
    UNIQUE (tenant_id, kennung)
);

-- Every message in and out: what it was, for which case, when, whether it was taken, and
-- the XML as it travelled. Receipt is idempotent: a message UUID is taken once per tenant
-- and direction; a refused one may come again (corrected), so refusals do not hold it.
CREATE TABLE xbau_journal (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    partner_id   BIGINT REFERENCES xbau_partner(id),
    richtung     TEXT NOT NULL CHECK (richtung IN ('ein', 'aus')),
    uuid         TEXT NOT NULL,
    nachricht    TEXT NOT NULL,
    vorgang_id   BIGINT REFERENCES vorgaenge(id),
    -- The UUID of the message this one answers.
    bezug_uuid   TEXT,
    at           BIGINT NOT NULL,
    -- in: 'in_arbeit' (taken, being read) | 'angenommen' | 'zurueckgewiesen'; out: 'bereit'
    ergebnis     TEXT NOT NULL,
    befunde      TEXT NOT NULL DEFAULT '',
    xml          TEXT NOT NULL,
    -- Outgoing: the files beside the message (JSON list of dokumentid, dateiname, sha256,
    -- groesse, mime).
    anlagen      TEXT NOT NULL DEFAULT '[]',
    abgeholt_at  BIGINT
);
CREATE UNIQUE INDEX xbau_journal_uuid ON xbau_journal(tenant_id, richtung, uuid)
    WHERE ergebnis <> 'zurueckgewiesen';
CREATE INDEX xbau_journal_ausgang ON xbau_journal(partner_id, richtung, abgeholt_at);
CREATE INDEX xbau_journal_tenant ON xbau_journal(tenant_id, at);

-- The partner a case came through (its portal), who gets its messages.
ALTER TABLE vorgaenge ADD COLUMN xbau_partner_id BIGINT REFERENCES xbau_partner(id);
