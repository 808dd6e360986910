-- Access tokens bound to one case (issue 12): a CAD plug-in or an office's filing system
-- that only needs one Bauantrag gets a token that reaches nothing else. NULL: every case
-- the person sees.
ALTER TABLE api_tokens ADD COLUMN vorgang_id BIGINT REFERENCES vorgaenge(id) ON DELETE CASCADE;
