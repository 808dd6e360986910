-- The Freizeichnung binds to what was signed (docs/decisions/0006-freizeichnung.md): the
-- digest of the Angaben and the exact current document versions with their SHA-256, as
-- JSON, and the SHA-256 of its binding part. A later change marks it invalid (once: the
-- mark is what makes its mails go out once); signing again replaces all three.
ALTER TABLE beteiligte ADD COLUMN freizeichnung_inhalt TEXT;
ALTER TABLE beteiligte ADD COLUMN freizeichnung_sha256 TEXT;
ALTER TABLE beteiligte ADD COLUMN freizeichnung_ungueltig_at BIGINT;
