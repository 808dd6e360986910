-- The authority's identifier in the Deutsches Verwaltungsdiensteverzeichnis (DVDV): the
-- author of its XBau messages. Set by the operator; NULL: not registered yet.
ALTER TABLE tenants ADD COLUMN xbau_kennung TEXT;
