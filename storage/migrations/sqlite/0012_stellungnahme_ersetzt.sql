-- A Stellungnahme is superseded by at most one correction: two corrections of the same
-- Stellungnahme submitted at once would otherwise both be "current".
CREATE UNIQUE INDEX stellungnahmen_ersetzt_einmal ON stellungnahmen(ersetzt_id) WHERE ersetzt_id IS NOT NULL;
