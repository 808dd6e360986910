-- The Fachstelle side of the Beteiligung: when a Stelle first opened its request (a withdrawn
-- request stays readable only for a Stelle that had opened it), and when the Bauaufsicht
-- passed a Rückfrage on to the applicants.
ALTER TABLE beteiligungen ADD COLUMN geoeffnet_at BIGINT;
ALTER TABLE rueckfragen ADD COLUMN weitergegeben_at BIGINT;
