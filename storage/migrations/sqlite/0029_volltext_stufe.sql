-- The full text of scanned pages (for search) becomes a pipeline stage of its own,
-- `volltext`, after everything else (issue 15). SQLite cannot change a CHECK constraint:
-- the table is built again with the same columns, keys and rows.
CREATE TABLE dokument_stufen_neu (
    version_id  INTEGER NOT NULL REFERENCES dokument_versionen(id) ON DELETE CASCADE,
    stufe       TEXT NOT NULL CHECK (stufe IN ('validate', 'extract', 'metadata', 'preview', 'volltext')),
    job_id      INTEGER NOT NULL REFERENCES jobs(id),
    PRIMARY KEY (version_id, stufe)
);
INSERT INTO dokument_stufen_neu (version_id, stufe, job_id)
    SELECT version_id, stufe, job_id FROM dokument_stufen;
DROP TABLE dokument_stufen;
ALTER TABLE dokument_stufen_neu RENAME TO dokument_stufen;
