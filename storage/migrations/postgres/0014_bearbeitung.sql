-- The case worker's side of a case (issue 11): who handles it, internal notes, and what the
-- work list (Aufgaben) needs to know about Stellungnahmen.

-- The Sachbearbeiter and the deputy (Bauaufsicht members of the case's tenant); NULL: not
-- assigned. Mails for the Bauaufsicht go to them while either is active, else to everyone.
ALTER TABLE vorgaenge ADD COLUMN bearbeiter_id BIGINT REFERENCES users(id);
ALTER TABLE vorgaenge ADD COLUMN vertretung_id BIGINT REFERENCES users(id);
CREATE INDEX vorgaenge_bearbeiter ON vorgaenge(bearbeiter_id);
CREATE INDEX vorgaenge_vertretung ON vorgaenge(vertretung_id);

-- When the Bauaufsicht first opened the case's Beteiligung after the Stellungnahme came in;
-- until then it is "neu" on the work list. Those already stored count as seen.
ALTER TABLE stellungnahmen ADD COLUMN gesehen_at BIGINT;
UPDATE stellungnahmen SET gesehen_at = created_at;

-- Internal notes on a case: read and written by the Bauaufsicht of the case's tenant only,
-- never shown to applicants or Stellen. Append-only, like the timeline.
CREATE TABLE notizen (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vorgang_id  BIGINT NOT NULL REFERENCES vorgaenge(id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX notizen_vorgang ON notizen(vorgang_id, id);
