-- The full text of scanned pages (for search) becomes a pipeline stage of its own,
-- `volltext`, after everything else (issue 15).
ALTER TABLE dokument_stufen DROP CONSTRAINT dokument_stufen_stufe_check;
ALTER TABLE dokument_stufen ADD CONSTRAINT dokument_stufen_stufe_check
    CHECK (stufe IN ('validate', 'extract', 'metadata', 'preview', 'volltext'));
