-- The language a person last signed in with (identity module): messages nobody asked for at
-- that moment, such as a benefit granted by a nightly rule, are written in it. Empty until the
-- first sign-in; the site's default language is used then.
ALTER TABLE users ADD COLUMN language TEXT CHECK (language IN ('fr', 'pt', 'vi', 'en'));
