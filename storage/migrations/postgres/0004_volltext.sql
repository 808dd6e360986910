-- Full-text search over the pages' text within a case, with German stemming.
CREATE INDEX seiten_text_fts ON seiten USING GIN (to_tsvector('german', coalesce(text, '')));
