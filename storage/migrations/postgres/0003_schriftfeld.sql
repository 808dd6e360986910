-- The title block's text where it was read on its own (OCR of the region), for plan metadata.
ALTER TABLE seiten ADD COLUMN schriftfeld_text TEXT;
