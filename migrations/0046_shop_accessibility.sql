-- How accessible a shop's building is, as people ask before they go: a JSON object of features
-- (step_free_entrance, accessible_toilet, hearing_loop, accessible_parking, sign_language) each
-- true or false, and optional notes in the four languages. '{}': not described yet.
ALTER TABLE shops ADD COLUMN accessibility TEXT NOT NULL DEFAULT '{}';
