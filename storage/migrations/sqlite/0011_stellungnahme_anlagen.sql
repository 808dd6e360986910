-- Attachments (Anlagen) of a Stellungnahme: PDFs a Stelle uploads for its request. They are
-- documents of the case that run through the same pipeline as the Bauvorlagen, but they are
-- not Bauvorlagen: a document with `beteiligung_id` set belongs to that request and is left
-- out of the case's document list, its Fassungen, checklists and the Bescheid.
ALTER TABLE dokumente ADD COLUMN beteiligung_id BIGINT REFERENCES beteiligungen(id) ON DELETE CASCADE;
CREATE INDEX dokumente_beteiligung ON dokumente(beteiligung_id);

-- Which attachment versions a submitted Stellungnahme carries. Written once, in the
-- transaction that submits the Stellungnahme; immutable like the Stellungnahme itself (a
-- correction is a new Stellungnahme with its own rows).
CREATE TABLE stellungnahme_anlagen (
    stellungnahme_id BIGINT NOT NULL REFERENCES stellungnahmen(id) ON DELETE CASCADE,
    version_id       BIGINT NOT NULL REFERENCES dokument_versionen(id),
    PRIMARY KEY (stellungnahme_id, version_id)
);
CREATE INDEX stellungnahme_anlagen_version ON stellungnahme_anlagen(version_id);
