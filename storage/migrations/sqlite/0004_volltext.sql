-- Full-text search over the pages' text within a case: an FTS5 index kept by the store.
CREATE VIRTUAL TABLE seiten_fts USING fts5(
    version_id UNINDEXED,
    nummer UNINDEXED,
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);
