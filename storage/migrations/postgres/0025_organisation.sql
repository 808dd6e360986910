-- The organisation an OpenID provider reports for a person (an architect's office, a
-- company's name from "Mein Unternehmenskonto"), kept from the last sign-in.
ALTER TABLE users ADD COLUMN organisation TEXT;
