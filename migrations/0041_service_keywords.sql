-- The words people search with that a service's texts do not hold: abbreviations (NIF, CC, CNI,
-- IMT), everyday words ("impôts", "permis", "driver license"), in any language. A JSON array of
-- texts; import folds them into every language's search_text, so each is found from any page.
ALTER TABLE services ADD COLUMN keywords TEXT NOT NULL DEFAULT '[]';
