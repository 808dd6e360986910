-- The inbox (`Db::eingang`): one index per filter that ends in the id, so that a filtered
-- page is read newest first straight from the index, at page 1 as at page 1000 (keyset on
-- the id). State and deadline have theirs since 0006 (vorgaenge_eingang, vorgaenge_frist).
CREATE INDEX vorgaenge_eingang_verfahren ON vorgaenge(tenant_id, verfahren, id);
CREATE INDEX vorgaenge_eingang_gemeinde ON vorgaenge(tenant_id, gemeinde_ags, id);
