-- Stelle memberships the staff provider's group mapping made (1) are the mapping's to
-- take back at a later sign-in; those an admin or the operator made (0) are not.
ALTER TABLE stellen_mitglieder ADD COLUMN durch_anmeldedienst BIGINT NOT NULL DEFAULT 0;
