-- The large preview of page 1 of a version (content address of a PNG).
ALTER TABLE dokument_versionen ADD COLUMN vorschau_sha256 TEXT;
