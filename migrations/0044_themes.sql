-- Browsing the catalogue without knowing a service's name: themes (identity and civil status,
-- family, work, health…) and life events (having a baby, moving house, starting a business…),
-- named in the four languages, each listing services. Declared in the catalogue document.
CREATE TABLE themes (
  id AUTO_ID,
  code TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('theme', 'life_event')),
  names TEXT NOT NULL,         -- JSON object: language → name
  position INTEGER NOT NULL    -- order of the catalogue document
);

CREATE TABLE service_themes (
  service_id BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  theme_id BIGINT NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
  PRIMARY KEY (service_id, theme_id)
);
CREATE INDEX service_themes_by_theme ON service_themes (theme_id);
