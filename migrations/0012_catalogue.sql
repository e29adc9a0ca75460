-- The catalogue (catalogue module): administrations, their services with texts in each language,
-- and citizen shops. Search reads `search_text`, the texts folded to lowercase ASCII words by
-- catalogue::fold_for_search, so both engines match accent-insensitively the same way.
CREATE TABLE administrations (
  id AUTO_ID,
  code TEXT NOT NULL UNIQUE,
  names TEXT NOT NULL                       -- JSON: {"fr": ..., "pt": ..., "vi": ..., "en": ...}
);

CREATE TABLE services (
  id AUTO_ID,
  code TEXT NOT NULL UNIQUE,
  administration_id BIGINT NOT NULL REFERENCES administrations (id),
  audience TEXT NOT NULL CHECK (audience IN ('citizens', 'businesses', 'both')),
  channels INTEGER NOT NULL CHECK (channels > 0 AND channels < 16),   -- 1 in person, 2 video, 4 online, 8 phone
  duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
  fee_cents BIGINT NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
  legal_basis TEXT NOT NULL DEFAULT ''
);
CREATE INDEX services_administration ON services (administration_id);

CREATE TABLE service_texts (
  service_id BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  lang TEXT NOT NULL CHECK (lang IN ('fr', 'pt', 'vi', 'en')),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  documents TEXT NOT NULL,                  -- JSON array of strings: what to bring
  search_text TEXT NOT NULL,
  PRIMARY KEY (service_id, lang)
);

CREATE TABLE shops (
  id AUTO_ID,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  address TEXT NOT NULL,
  latitude DOUBLE PRECISION NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude DOUBLE PRECISION NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  time_zone TEXT NOT NULL,                  -- IANA, e.g. Europe/Lisbon
  opening_hours TEXT NOT NULL               -- JSON: {"mon": [["09:00", "17:00"]], ...}
);

-- @sqlite
CREATE VIRTUAL TABLE service_search USING fts5(search_text, service_id UNINDEXED, lang UNINDEXED,
                                               tokenize = 'unicode61 remove_diacritics 2');
-- @postgresql
CREATE INDEX service_texts_search ON service_texts USING gin (to_tsvector('simple', search_text));
-- @all
